import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  fallbackRange,
  expectedSlots,
  fillHoles,
  matchTolerance,
  nearestSample,
  planRanges,
  type ChartRange,
  type Sample,
} from './price-holes.js';

const at = (iso: string) => new Date(iso);
const iso = (dates: readonly Date[]) => dates.map((date) => date.toISOString());
const MIN = 60_000;

describe('expectedSlots', () => {
  const schedule = '0 */15 * * * *';

  it('lists every fire time of the last 24 h, oldest first, up to the last one fired 5 minutes ago', () => {
    const slots = expectedSlots({
      schedule,
      from: at('2026-06-01T12:07:00Z'),
      now: at('2026-06-02T12:07:00Z'),
    });
    expect(slots).toHaveLength(96);
    expect(slots[0].toISOString()).toBe('2026-06-01T12:15:00.000Z');
    expect(slots.at(-1)?.toISOString()).toBe('2026-06-02T12:00:00.000Z');
  });

  it('includes a fire time exactly at the window start', () => {
    const slots = expectedSlots({
      schedule,
      from: at('2026-06-02T11:00:00Z'),
      now: at('2026-06-02T11:40:00Z'),
    });
    expect(iso(slots)).toEqual([
      '2026-06-02T11:00:00.000Z',
      '2026-06-02T11:15:00.000Z',
      '2026-06-02T11:30:00.000Z',
    ]);
  });

  it('leaves out a slot that fired less than 5 minutes ago: its price run may still write it', () => {
    const from = at('2026-06-02T11:00:00Z');
    expect(iso(expectedSlots({ schedule, from, now: at('2026-06-02T11:34:59Z') })).at(-1)).toBe(
      '2026-06-02T11:15:00.000Z',
    );
    expect(iso(expectedSlots({ schedule, from, now: at('2026-06-02T11:35:00Z') })).at(-1)).toBe(
      '2026-06-02T11:30:00.000Z',
    );
  });

  it('leaves out slots whose price run is still queued or running', () => {
    const slots = expectedSlots({
      schedule,
      from: at('2026-06-02T11:00:00Z'),
      now: at('2026-06-02T12:00:00Z'),
      inProgress: [at('2026-06-02T11:15:00Z'), at('2026-06-02T11:30:00.500Z')],
    });
    expect(iso(slots)).toEqual(['2026-06-02T11:00:00.000Z', '2026-06-02T11:45:00.000Z']);
  });

  it('floors fire times to the minute as the price job stores them; the 5 minutes count from the fire time', () => {
    const options = { schedule: '30 */15 * * * *', from: at('2026-06-02T11:50:00Z') };
    expect(iso(expectedSlots({ ...options, now: at('2026-06-02T12:05:29Z') }))).toEqual([]);
    expect(iso(expectedSlots({ ...options, now: at('2026-06-02T12:05:30Z') }))).toEqual([
      '2026-06-02T12:00:00.000Z',
    ]);
  });

  it('a schedule firing every second expects one row a minute', () => {
    const slots = expectedSlots({
      schedule: '* * * * * *',
      from: at('2026-06-02T11:00:00Z'),
      now: at('2026-06-02T12:00:00Z'),
    });
    expect(slots).toHaveLength(56);
    expect(new Set(iso(slots)).size).toBe(56);
    expect(slots.at(-1)?.toISOString()).toBe('2026-06-02T11:55:00.000Z');
  });
});

describe('planRanges', () => {
  const now = at('2026-06-02T12:07:00Z');

  it('puts every hole of the last 24 h in one range ending now, starting half a 5-minute spacing early', () => {
    const holes = [at('2026-06-02T09:00:00Z'), at('2026-06-01T13:00:00Z'), at('2026-06-02T12:00:00Z')];
    expect(planRanges(holes, now)).toEqual([
      {
        from: at('2026-06-01T12:57:30Z'),
        to: now,
        holes: [at('2026-06-01T13:00:00Z'), at('2026-06-02T09:00:00Z'), at('2026-06-02T12:00:00Z')],
        expectedSpacingMs: 5 * MIN,
      },
    ]);
  });

  it('never asks more than one day when the first hole is right at the window start', () => {
    const [range] = planRanges([at('2026-06-01T12:08:00Z')], now);
    expect(range.from).toEqual(at('2026-06-01T12:07:00Z'));
    expect(range.to.getTime() - range.from.getTime()).toBe(DAY_MS);
  });

  it('any set of holes within the last 24 h costs exactly one call', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const holes = Array.from(
        { length: seed },
        (_, index) => new Date(now.getTime() - ((index * 7919 * seed) % DAY_MS)),
      );
      expect(planRanges(holes, now)).toHaveLength(1);
    }
  });

  it('asks older holes in hourly ranges of at most 90 days that reach 24 h before their first hole, newest first', () => {
    const holes = [
      at('2026-06-02T11:00:00Z'),
      at('2026-05-31T10:00:00Z'),
      at('2026-05-30T10:00:00Z'),
      at('2026-03-01T10:00:00Z'),
    ];
    const ranges = planRanges(holes, now);
    expect(
      ranges.map((range) => [range.from.toISOString(), range.to.toISOString(), range.holes.length]),
    ).toEqual([
      ['2026-06-02T10:57:30.000Z', '2026-06-02T12:07:00.000Z', 1],
      ['2026-05-29T09:30:00.000Z', '2026-05-31T10:30:00.000Z', 2],
      ['2026-02-28T09:30:00.000Z', '2026-03-01T10:30:00.000Z', 1],
    ]);
    expect(ranges.slice(1).map((range) => range.expectedSpacingMs)).toEqual([60 * MIN, 60 * MIN]);
    for (const range of ranges)
      expect(range.to.getTime() - range.from.getTime()).toBeLessThanOrEqual(90 * DAY_MS);
  });

  it('splits 90 days of hourly holes so that no range goes beyond 90 days', () => {
    const holes = Array.from(
      { length: 90 * 24 },
      (_, index) => new Date(now.getTime() - DAY_MS - (index + 1) * 3_600_000),
    );
    const ranges = planRanges(holes, now);
    expect(ranges).toHaveLength(2);
    expect(ranges.flatMap((range) => range.holes)).toHaveLength(holes.length);
    for (const range of ranges)
      expect(range.to.getTime() - range.from.getTime()).toBeLessThanOrEqual(90 * DAY_MS);
  });

  it('asks nothing without holes', () => {
    expect(planRanges([], now)).toEqual([]);
  });
});

describe('sample matching', () => {
  const samples: Sample[] = [
    { at: 1_000_000, value: '1' },
    { at: 1_300_000, value: '2' },
    { at: 1_600_000, value: '3' },
  ];

  it('takes the nearest sample within the tolerance, the earlier one on a tie', () => {
    expect(nearestSample(samples, 1_290_000, 150_000)?.value).toBe('2');
    expect(nearestSample(samples, 1_449_999, 150_000)?.value).toBe('2');
    expect(nearestSample(samples, 1_450_000, 150_000)?.value).toBe('2');
    expect(nearestSample(samples, 1_450_001, 150_000)?.value).toBe('3');
    expect(nearestSample(samples, 700_000, 150_000)).toBeUndefined();
    expect(nearestSample(samples, 1_750_001, 150_000)).toBeUndefined();
    expect(nearestSample([], 1_000_000, 150_000)).toBeUndefined();
  });

  it('tolerates half the median spacing of the answer, or of the expected spacing when it has one sample', () => {
    const fiveMinutely = [0, 300_600, 601_200, 901_800, 1_202_400].map((time) => ({ at: time, value: '1' }));
    expect(matchTolerance(fiveMinutely, 3_600_000)).toBe(150_300);
    const withGap = [0, 300_000, 600_000, 4_200_000, 4_500_000].map((time) => ({ at: time, value: '1' }));
    expect(matchTolerance(withGap, 300_000)).toBe(150_000);
    expect(matchTolerance([{ at: 0, value: '1' }], 3_600_000)).toBe(1_800_000);
  });
});

describe('fillHoles', () => {
  const hole = (time: string) => at(time);
  // 5-minutely samples 0.959 s before each 5-minute boundary, like CoinGecko's "…899041".
  const times = Array.from(
    { length: 13 },
    (_, index) => at('2026-06-02T11:00:00Z').getTime() + index * 300_000 - 959,
  );
  const series = (text: (index: number) => string | null): Sample[] =>
    times.map((time, index) => ({ at: time, value: text(index) }));

  it('fills each hole from the nearest samples, keeping their decimal text; no sample near a slot leaves a hole', () => {
    const range: ChartRange = {
      from: at('2026-06-02T10:57:30Z'),
      to: at('2026-06-02T12:07:00Z'),
      holes: [hole('2026-06-02T11:15:00Z'), hole('2026-06-02T11:30:00Z'), hole('2026-06-02T11:45:00Z')],
      expectedSpacingMs: 300_000,
    };
    const prices = series((index) => `1.0${index}e-9`).filter((_, index) => index !== 6);
    const { filled, unfilled } = fillHoles(range, {
      prices,
      marketCaps: series((index) => (index === 9 ? null : `12345678901234567890.${index}`)),
      totalVolumes: series((index) => `${index}00`),
    });
    expect(unfilled).toEqual([hole('2026-06-02T11:30:00Z')]);
    expect(filled).toEqual([
      {
        slot: hole('2026-06-02T11:15:00Z'),
        priceUsd: '1.03e-9',
        marketCapUsd: '12345678901234567890.3',
        volume24hUsd: '300',
        priceDayBefore: null,
      },
      // The market cap sample at the slot is null: the nearest usable one is a spacing away, beyond 150 s.
      {
        slot: hole('2026-06-02T11:45:00Z'),
        priceUsd: '1.09e-9',
        marketCapUsd: null,
        volume24hUsd: '900',
        priceDayBefore: null,
      },
    ]);
  });

  it('takes the price of the sample 24 h earlier when the answer holds one', () => {
    const slot = at('2026-05-30T10:15:00Z');
    const hourly = (start: number, count: number) =>
      Array.from({ length: count }, (_, index) => ({
        at: start + index * 3_600_000 + 799_041,
        value: `${index + 1}`,
      }));
    const prices = hourly(at('2026-05-29T09:00:00Z').getTime(), 27);
    const range: ChartRange = {
      from: at('2026-05-29T09:45:00Z'),
      to: at('2026-05-30T10:45:00Z'),
      holes: [slot],
      expectedSpacingMs: 3_600_000,
    };
    const { filled } = fillHoles(range, { prices, marketCaps: [], totalVolumes: [] });
    expect(filled).toEqual([
      { slot, priceUsd: '26', marketCapUsd: null, volume24hUsd: null, priceDayBefore: '2' },
    ]);
  });

  it('an empty answer fills nothing', () => {
    const range: ChartRange = {
      from: at('2026-06-02T11:00:00Z'),
      to: at('2026-06-02T12:00:00Z'),
      holes: [hole('2026-06-02T11:15:00Z')],
      expectedSpacingMs: 300_000,
    };
    expect(fillHoles(range, { prices: [], marketCaps: [], totalVolumes: [] })).toEqual({
      filled: [],
      unfilled: [hole('2026-06-02T11:15:00Z')],
    });
  });
});

describe('fallbackRange', () => {
  const now = at('2026-06-02T12:07:00Z');
  const free = { history: { daily: 365, hourly: 1, fiveMinute: 0 } };
  const starter = { history: { daily: 5 * 365, hourly: 30, fiveMinute: 7 } };

  it('asks the planned range of recent holes hourly on the free plan, from half an hour before the first hole', () => {
    const [range] = planRanges([at('2026-06-02T09:00:00Z'), at('2026-06-02T09:15:00Z')], now);
    expect(fallbackRange(range, free, now)).toEqual({
      from: at('2026-06-02T08:30:00Z'),
      to: now,
      holes: range.holes,
      expectedSpacingMs: 60 * MIN,
    });
    expect(fallbackRange(range, starter, now)?.expectedSpacingMs).toBe(5 * MIN);
  });

  it('never a range the plan serves only daily: a hole older than a day is not asked on the free plan', () => {
    const [range] = planRanges([at('2026-05-31T20:00:00Z')], now);
    expect(fallbackRange(range, free, now)).toBeUndefined();
    expect(fallbackRange(range, starter, now)).toMatchObject({ expectedSpacingMs: 5 * MIN });
  });

  it('asks nothing without holes', () => {
    expect(
      fallbackRange({ from: now, to: now, holes: [], expectedSpacingMs: 5 * MIN }, free, now),
    ).toBeUndefined();
  });
});
