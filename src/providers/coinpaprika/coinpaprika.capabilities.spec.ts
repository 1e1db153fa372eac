import { describe, expect, it } from 'vitest';
import { COINPAPRIKA_CAPABILITIES, granularityFor } from './coinpaprika.capabilities.js';

const NOW = new Date('2026-12-07T12:00:00Z');
const DAY = 86_400_000;
const back = (days: number): Date => new Date(NOW.getTime() - days * DAY);
const range = (fromDays: number, toDays = 0) => ({ from: back(fromDays), to: back(toDays) });

describe('CoinPaprika history by plan (NOTES.md table)', () => {
  it('reports each plan’s reach in days', () => {
    expect(COINPAPRIKA_CAPABILITIES.free.history).toEqual({ daily: 365, hourly: 1, fiveMinute: 0 });
    expect(COINPAPRIKA_CAPABILITIES.starter.history).toEqual({ daily: 1825, hourly: 30, fiveMinute: 7 });
    expect(COINPAPRIKA_CAPABILITIES.pro.history).toEqual({ daily: null, hourly: 90, fiveMinute: 30 });
    expect(COINPAPRIKA_CAPABILITIES.business.history).toEqual({ daily: null, hourly: 365, fiveMinute: 365 });
  });

  it('picks the finest granularity whose reach covers the range and whose points fit one answer', () => {
    const free = COINPAPRIKA_CAPABILITIES.free;
    expect(granularityFor(free, range(0.5), NOW)).toBe('hourly');
    expect(granularityFor(free, range(2), NOW)).toBe('daily');
    expect(granularityFor(free, range(365), NOW)).toBe('daily');
    const starter = COINPAPRIKA_CAPABILITIES.starter;
    expect(granularityFor(starter, range(7), NOW)).toBe('fiveMinute');
    expect(granularityFor(starter, range(8), NOW)).toBe('hourly');
    const business = COINPAPRIKA_CAPABILITIES.business;
    // 30 days of 5-minute points are 8,640: more than one answer's 5,000, so hourly (720).
    expect(granularityFor(business, range(30), NOW)).toBe('hourly');
    expect(granularityFor(business, range(30, 20), NOW)).toBe('fiveMinute');
    expect(granularityFor(COINPAPRIKA_CAPABILITIES.pro, range(3650), NOW)).toBe('daily');
  });

  it('answers none for a range before the plan’s daily reach (never asked)', () => {
    expect(granularityFor(COINPAPRIKA_CAPABILITIES.free, range(366), NOW)).toBeUndefined();
    expect(granularityFor(COINPAPRIKA_CAPABILITIES.starter, range(1826, 1800), NOW)).toBeUndefined();
  });
});
