import { beforeAll, describe, expect, it } from 'vitest';
import { browserModule } from './browser-module.js';

interface Coverage {
  priced?: unknown;
  complete?: unknown;
  pending?: unknown;
  set_aside?: unknown;
  percent?: unknown;
  runs_needed?: unknown;
  estimated_completion_at?: unknown;
  set_aside_assets?: unknown;
}
interface SetAsideRow {
  coingeckoId: string;
  tries: string;
  error: string | null;
  lastTriedAt: string | null;
}
interface CoverageFormat {
  coveragePercent(coverage: Coverage | null): number | null;
  coverageHeadline(coverage: Coverage | null): string;
  coverageCounts(coverage: Coverage | null): [string, string][];
  completionInWords(coverage: Coverage | null, now?: number): string;
  setAsideRows(coverage: Coverage | null): SetAsideRow[];
}

let format: CoverageFormat;
beforeAll(async () => {
  format = await browserModule<CoverageFormat>('coverage-format.js');
});

const NOW = Date.parse('2026-12-07T12:00:00Z');
const COVERAGE: Coverage = {
  priced: 1200,
  complete: 1050,
  pending: 140,
  set_aside: 10,
  percent: 87.5,
  runs_needed: 7,
  estimated_completion_at: '2026-12-07T13:10:00Z',
  set_aside_assets: [],
};

describe('coverage formatting', () => {
  it('states the percentage of priced assets with their history', () => {
    expect(format.coverageHeadline(COVERAGE)).toBe('87.5 % of 1,200 priced assets have their history.');
    expect(format.coverageHeadline({ ...COVERAGE, priced: 1, percent: 100 })).toBe(
      '100 % of 1 priced asset have their history.',
    );
    expect(format.coverageHeadline({ ...COVERAGE, priced: 0, percent: 100 })).toBe('No priced assets yet.');
    expect(format.coverageHeadline({ priced: '12', percent: 50 })).toBe('Coverage unknown.');
    expect(format.coverageHeadline(null)).toBe('Coverage unknown.');
  });

  it('clamps the percentage for the progress bar', () => {
    expect(format.coveragePercent(COVERAGE)).toBe(87.5);
    expect(format.coveragePercent({ percent: 140 })).toBe(100);
    expect(format.coveragePercent({ percent: -3 })).toBe(0);
    expect(format.coveragePercent({ percent: Number.NaN })).toBeNull();
    expect(format.coveragePercent({})).toBeNull();
  });

  it('lists complete, pending and set aside, with ? for what is missing', () => {
    expect(format.coverageCounts(COVERAGE)).toEqual([
      ['Complete', '1,050'],
      ['Pending', '140'],
      ['Set aside', '10'],
    ]);
    expect(format.coverageCounts({ complete: 3 })).toEqual([
      ['Complete', '3'],
      ['Pending', '?'],
      ['Set aside', '?'],
    ]);
  });

  it('says when the backfill completes, or why it does not say', () => {
    expect(format.completionInWords(COVERAGE, NOW)).toBe('2026-12-07 13:10:00 UTC, in 1 hour (7 more runs)');
    expect(
      format.completionInWords(
        { ...COVERAGE, runs_needed: 1, estimated_completion_at: '2026-12-09T12:00:00Z' },
        NOW,
      ),
    ).toBe('2026-12-09 12:00:00 UTC, in 2 days (1 more run)');
    expect(format.completionInWords({ ...COVERAGE, estimated_completion_at: null }, NOW)).toBe(
      'not estimated: the backfill job is disabled (7 more runs)',
    );
    expect(format.completionInWords({ ...COVERAGE, pending: 0, runs_needed: 0 }, NOW)).toBe(
      'complete: nothing left to backfill',
    );
    expect(format.completionInWords({ estimated_completion_at: 'soon' }, NOW)).toBe(
      'not estimated: the backfill job is disabled',
    );
  });

  it('keeps each set-aside asset with its tries and error as given', () => {
    const error = 'CoinGecko rejected /coins/x/market_chart/range (401): 10012 Your request <b>exceeds</b>…';
    expect(
      format.setAsideRows({
        set_aside_assets: [
          { coingecko_id: 'x', tries: 3, last_error: error, last_tried_at: '2026-12-07T11:00:00Z' },
          { coingecko_id: 'y', tries: 1, last_error: '', last_tried_at: null },
          { tries: 'many' },
        ],
      }),
    ).toEqual([
      { coingeckoId: 'x', tries: '3 tries', error, lastTriedAt: '2026-12-07T11:00:00Z' },
      { coingeckoId: 'y', tries: '1 try', error: null, lastTriedAt: null },
      { coingeckoId: '?', tries: '? tries', error: null, lastTriedAt: null },
    ]);
    expect(format.setAsideRows({ set_aside_assets: 'none' })).toEqual([]);
    expect(format.setAsideRows(null)).toEqual([]);
  });
});
