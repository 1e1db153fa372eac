import { describe, expect, it } from 'vitest';
import { historyRanges, historyRows, LIMIT_MARGIN_MS } from './history-points.js';

const NOW = new Date('2026-06-02T12:07:00Z');
const DAY_MS = 86_400_000;

describe('historyRanges', () => {
  it('with the defaults: an hourly range within 90 days ending now, a daily range before it within 365 days', () => {
    const { daily, hourly } = historyRanges(NOW, { days: 365, hourlyDays: 90 });
    expect(hourly.to).toEqual(NOW);
    expect(NOW.getTime() - hourly.from.getTime()).toBe(90 * DAY_MS - LIMIT_MARGIN_MS);
    expect(daily?.to).toEqual(hourly.from);
    expect(NOW.getTime() - (daily?.from.getTime() ?? 0)).toBe(365 * DAY_MS - LIMIT_MARGIN_MS);
    // Over 90 days: CoinGecko answers the daily call with daily points.
    expect((daily?.to.getTime() ?? 0) - (daily?.from.getTime() ?? 0)).toBeGreaterThan(90 * DAY_MS);
  });

  it('asks no daily range when the hourly window already covers the days', () => {
    expect(historyRanges(NOW, { days: 30, hourlyDays: 30 }).daily).toBeNull();
  });
});

describe('historyRows', () => {
  it('keeps the sample times, pairs the amounts and takes the 24 h change from a day before', () => {
    const at = (hours: number) => Date.UTC(2026, 5, 1, hours, 13, 19, 41);
    const chart = {
      prices: [
        { at: at(0), value: '100' },
        { at: at(1), value: null },
        { at: at(24), value: '110' },
      ],
      marketCaps: [{ at: at(24), value: '5e9' }],
      totalVolumes: [],
    };
    const range = { from: new Date(at(0)), to: new Date(at(24)) };
    const { rows, first, last } = historyRows('a', chart, range, 3_600_000);
    expect(rows).toEqual([
      {
        assetId: 'a',
        timestamp: new Date(at(0)),
        priceUsd: '100',
        marketCapUsd: null,
        volume24hUsd: null,
        priceDayBefore: null,
      },
      {
        assetId: 'a',
        timestamp: new Date(at(24)),
        priceUsd: '110',
        marketCapUsd: '5e9',
        volume24hUsd: null,
        priceDayBefore: '100',
      },
    ]);
    expect([first, last]).toEqual([new Date(at(0)), new Date(at(24))]);
  });

  it('an empty answer (a coin listed after the range) has no rows and no first point', () => {
    const empty = { prices: [], marketCaps: [], totalVolumes: [] };
    expect(historyRows('a', empty, { from: NOW, to: NOW }, DAY_MS)).toEqual({
      rows: [],
      first: null,
      last: null,
    });
  });
});
