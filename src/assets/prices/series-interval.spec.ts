import { describe, expect, it } from 'vitest';
import {
  autoInterval,
  bucketsBetween,
  bucketStart,
  describeDuration,
  largestRange,
  withinMaxRange,
} from './series-interval.js';

const at = (text: string): Date => new Date(text);

describe('series intervals', () => {
  it('starts buckets on UTC boundaries: quarter hours, 4-hour blocks from midnight, Monday weeks', () => {
    expect(bucketStart('15m', at('2026-11-28T09:59:59.999Z')).toISOString()).toBe('2026-11-28T09:45:00.000Z');
    expect(bucketStart('4h', at('2026-11-28T03:10:00Z')).toISOString()).toBe('2026-11-28T00:00:00.000Z');
    expect(bucketStart('1d', at('2026-11-28T23:59:00Z')).toISOString()).toBe('2026-11-28T00:00:00.000Z');
    // 2026-11-28 is a Saturday; its ISO week began on Monday 2026-11-23, and a Monday is its own week's start.
    expect(bucketStart('1w', at('2026-11-28T12:00:00Z')).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(bucketStart('1w', at('2026-11-23T00:00:00Z')).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(bucketStart('1w', at('1969-12-31T00:00:00Z')).toISOString()).toBe('1969-12-29T00:00:00.000Z');
  });

  it('counts every bucket the range touches, both ends included', () => {
    expect(bucketsBetween('15m', at('2026-11-27T00:00:00Z'), at('2026-11-28T00:00:00Z'))).toBe(97);
    expect(bucketsBetween('1h', at('2026-11-27T00:30:00Z'), at('2026-11-27T00:40:00Z'))).toBe(1);
    expect(bucketsBetween('1d', at('2026-01-01T00:00:00Z'), at('2026-12-31T23:59:00Z'))).toBe(365);
  });

  it('auto picks the finest interval that fits max_points, or none', () => {
    const from = at('2026-11-27T00:00:00Z');
    expect(autoInterval(from, at('2026-11-28T00:00:00Z'), 500)).toBe('15m');
    expect(autoInterval(from, at('2026-11-28T00:00:00Z'), 96)).toBe('1h');
    expect(autoInterval(from, at('2026-12-27T00:00:00Z'), 500)).toBe('4h');
    expect(autoInterval(at('2025-11-28T00:00:00Z'), at('2026-11-28T00:00:00Z'), 500)).toBe('1d');
    expect(autoInterval(at('2020-01-01T00:00:00Z'), at('2026-11-28T00:00:00Z'), 500)).toBe('1w');
    expect(autoInterval(at('2017-01-01T00:00:00Z'), at('2026-11-28T00:00:00Z'), 500)).toBeUndefined();
  });

  it('names the largest range that always fits, in words', () => {
    expect(describeDuration(largestRange('15m', 500))).toBe('5 days 4 hours 45 minutes');
    expect(describeDuration(largestRange('1h', 25))).toBe('1 day');
    expect(describeDuration(largestRange('15m', 1))).toBe('0 minutes');
    expect(describeDuration(61 * 60_000)).toBe('1 hour 1 minute');
  });

  it('allows ranges up to ten calendar years', () => {
    expect(withinMaxRange(at('2016-02-29T00:00:00Z'), at('2026-03-01T00:00:00Z'))).toBe(true);
    expect(withinMaxRange(at('2016-11-28T00:00:00Z'), at('2026-11-28T00:00:00Z'))).toBe(true);
    expect(withinMaxRange(at('2016-11-28T00:00:00Z'), at('2026-11-28T00:00:00.001Z'))).toBe(false);
  });
});
