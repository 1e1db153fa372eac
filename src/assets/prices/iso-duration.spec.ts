import { describe, expect, it } from 'vitest';
import { parseIsoDuration, subtractDuration } from './iso-duration.js';

const before = (at: string, duration: string): string => {
  const parsed = parseIsoDuration(duration);
  if (!parsed) throw new Error(`not a duration: ${duration}`);
  return subtractDuration(new Date(at), parsed).toISOString();
};

describe('ISO 8601 durations for max_age', () => {
  it('reads minutes, hours, days, weeks, months, years and combinations', () => {
    const at = '2026-03-31T12:00:00.000Z';
    expect(before(at, 'PT15M')).toBe('2026-03-31T11:45:00.000Z');
    expect(before(at, 'PT6H')).toBe('2026-03-31T06:00:00.000Z');
    expect(before(at, 'P1D')).toBe('2026-03-30T12:00:00.000Z');
    expect(before(at, 'p7d')).toBe('2026-03-24T12:00:00.000Z');
    expect(before(at, 'P2W')).toBe('2026-03-17T12:00:00.000Z');
    expect(before(at, 'P1DT12H30M')).toBe('2026-03-29T23:30:00.000Z');
    expect(before(at, 'PT90S')).toBe('2026-03-31T11:58:30.000Z');
    // Calendar months clamp to the month's last day: a month before March 31 is February 28.
    expect(before(at, 'P1M')).toBe('2026-02-28T12:00:00.000Z');
    expect(before(at, 'P1Y')).toBe('2025-03-31T12:00:00.000Z');
  });

  it('refuses what is not a whole, non-zero duration', () => {
    for (const text of [
      '',
      'P',
      'PT',
      'P1DT',
      '1D',
      'P1.5D',
      'P-1D',
      'PT0S',
      'P0D',
      'P1H',
      'PT1D',
      'P1D ',
      'one day',
    ]) {
      expect(parseIsoDuration(text), text).toBeUndefined();
    }
  });
});
