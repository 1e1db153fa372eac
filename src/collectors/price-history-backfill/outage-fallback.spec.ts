import { describe, expect, it } from 'vitest';
import { COINPAPRIKA_CAPABILITIES } from '../../providers/coinpaprika/coinpaprika.capabilities.js';
import { LIMIT_MARGIN_MS } from './history-points.js';
import { onePer, withinReach } from './outage-fallback.js';

const NOW = new Date('2026-06-02T12:00:00Z');
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS);

describe('withinReach: the part of a backfill range a plan serves', () => {
  it("clips the hourly range to the free plan's day of hourly points", () => {
    const range = { from: daysAgo(90), to: NOW };
    expect(withinReach(COINPAPRIKA_CAPABILITIES.free, 'hourly', range, NOW)).toEqual({
      from: new Date(daysAgo(1).getTime() + LIMIT_MARGIN_MS),
      to: NOW,
    });
  });

  it('keeps a range the plan reaches whole, and an unlimited reach keeps any range', () => {
    const range = { from: daysAgo(200), to: daysAgo(90) };
    expect(withinReach(COINPAPRIKA_CAPABILITIES.free, 'daily', range, NOW)).toEqual(range);
    const old = { from: daysAgo(3650), to: daysAgo(90) };
    expect(withinReach(COINPAPRIKA_CAPABILITIES.pro, 'daily', old, NOW)).toEqual(old);
  });

  it('counts finer granularities for a coarser range: business serves a year of 5-minute points', () => {
    const range = { from: daysAgo(60), to: NOW };
    expect(withinReach(COINPAPRIKA_CAPABILITIES.business, 'hourly', range, NOW)).toEqual(range);
  });

  it('is undefined when the plan reaches none of the range', () => {
    const range = { from: daysAgo(500), to: daysAgo(400) };
    expect(withinReach(COINPAPRIKA_CAPABILITIES.free, 'daily', range, NOW)).toBeUndefined();
    const capabilities = { history: { daily: 0, hourly: 0, fiveMinute: 0 } };
    expect(withinReach(capabilities, 'hourly', { from: daysAgo(2), to: NOW }, NOW)).toBeUndefined();
  });
});

describe('onePer: a finer answer thinned to the range spacing', () => {
  const point = (iso: string) => ({
    at: new Date(iso),
    priceUsd: iso,
    marketCapUsd: null,
    volume24hUsd: null,
  });

  it('keeps the first point of each UTC hour, oldest first, whatever order they came in', () => {
    const points = ['10:05', '10:00', '10:55', '11:10', '13:00'].map((t) => point(`2026-06-01T${t}:00Z`));
    expect(onePer(points, 3_600_000).map((p) => p.at.toISOString().slice(11, 16))).toEqual([
      '10:00',
      '11:10',
      '13:00',
    ]);
  });
});
