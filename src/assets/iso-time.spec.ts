import { describe, expect, it } from 'vitest';
import { isCalendarDate, parseIsoTimestamp } from './iso-time.js';

describe('isCalendarDate', () => {
  it.each(['2026-11-28', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31'])('accepts %s', (date) => {
    expect(isCalendarDate(date)).toBe(true);
  });

  it.each([
    '2026-02-29',
    '1900-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '0000-01-01',
    '2026-1-5',
    '2026-11-28T00:00:00Z',
    ' 2026-11-28',
    '',
  ])('refuses %s', (date) => {
    expect(isCalendarDate(date)).toBe(false);
  });
});

describe('parseIsoTimestamp', () => {
  it.each([
    ['2026-11-28T09:45:00Z', '2026-11-28T09:45:00.000Z'],
    ['2026-11-28T09:45Z', '2026-11-28T09:45:00.000Z'],
    ['2026-11-28T09:45:00.5Z', '2026-11-28T09:45:00.500Z'],
    ['2026-11-28T09:45:00.123456Z', '2026-11-28T09:45:00.123Z'],
    ['2026-11-28T10:45:00+01:00', '2026-11-28T09:45:00.000Z'],
    ['2026-11-28T00:15:00-05:30', '2026-11-28T05:45:00.000Z'],
    ['2026-11-28t09:45:00z', '2026-11-28T09:45:00.000Z'],
    ['2024-02-29T23:59:59Z', '2024-02-29T23:59:59.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseIsoTimestamp(text)?.toISOString()).toBe(iso);
  });

  it.each([
    ['no zone (the server’s local time would decide)', '2026-11-28T09:45:00'],
    ['a date only', '2026-11-28'],
    ['an impossible day', '2026-02-30T00:00:00Z'],
    ['hour 24', '2026-11-28T24:00:00Z'],
    ['second 60', '2026-11-28T23:59:60Z'],
    ['an offset beyond ±14:00', '2026-11-28T09:45:00+15:00'],
    ['offset minutes 60', '2026-11-28T09:45:00+01:60'],
    ['nanoseconds', '2026-11-28T09:45:00.123456789Z'],
    ['a space instead of T', '2026-11-28 09:45:00Z'],
    ['free text', 'Nov 28 2026'],
    ['epoch seconds', '1764323100'],
  ])('refuses %s', (_name, text) => {
    expect(parseIsoTimestamp(text)).toBeUndefined();
  });
});
