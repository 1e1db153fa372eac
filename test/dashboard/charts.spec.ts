import { beforeAll, describe, expect, it } from 'vitest';
import { browserModule } from './browser-module.js';

interface Run {
  run_id: string;
  status: string;
  duration_ms?: number | null;
  metrics?: { items_processed?: number } | null;
}
interface Bar {
  run: Run;
  x: number;
  width: number;
  duration: number;
  items: number;
  failed: boolean;
  tone: string;
}
interface Charts {
  CHART_RUNS: number;
  chartRuns(newestFirst: Run[]): Run[];
  runBars(
    runs: Run[],
    size?: { width: number; top: number; bottom: number },
  ): { slot: number; maxDuration: number; maxItems: number; bars: Bar[] };
  chartSummary(runs: Run[]): string;
  priceScale(
    points: PricePoint[],
    range: { from?: string; to?: string },
    size?: { width: number; height: number; pad: number },
  ): {
    rows: Array<{ t: number; close: number }>;
    low: number;
    high: number;
    line: string;
    band: string;
  } | null;
  priceSummary(series: { interval?: string }, scale: ReturnType<Charts['priceScale']>): string;
}
interface PricePoint {
  t: string;
  open: string;
  high: string;
  low: string;
  close: string;
  points?: number;
}

let charts: Charts;
beforeAll(async () => {
  charts = await browserModule<Charts>('charts.js');
});

const run = (id: number, status: string, duration_ms: number | null, items?: number): Run => ({
  run_id: `run-${id}`,
  status,
  duration_ms,
  metrics: items === undefined ? null : { items_processed: items },
});

describe('the run chart (charts.js)', () => {
  it('shows the last 50 finished runs, oldest first, leaving out active ones', () => {
    const newestFirst = [run(99, 'running', null), run(98, 'queued', null)];
    for (let id = 97; id >= 0; id--) newestFirst.push(run(id, 'succeeded', 1000, 1));
    const shown = charts.chartRuns(newestFirst);
    expect(charts.CHART_RUNS).toBe(50);
    expect(shown).toHaveLength(50);
    expect(shown[0].run_id).toBe('run-48');
    expect(shown.at(-1)?.run_id).toBe('run-97');
  });

  it('scales durations to the top band and items to the bottom one, by their largest values', () => {
    const size = { width: 500, top: 56, bottom: 40 };
    const { slot, maxDuration, maxItems, bars } = charts.runBars(
      [run(1, 'succeeded', 4000, 100), run(2, 'failed', 8000, 50), run(3, 'cancelled', 0, 0)],
      size,
    );
    expect(slot).toBe(10);
    expect([maxDuration, maxItems]).toEqual([8000, 100]);
    // The newest run sits at the right edge; three runs leave 47 empty slots on the left.
    expect(bars.map((bar) => bar.x)).toEqual([471, 481, 491]);
    expect(bars.every((bar) => bar.width === 8)).toBe(true);
    // 56 - 8 units of height for the longest run, and at least 1 so a 0 ms run is still seen.
    expect(bars.map((bar) => bar.duration)).toEqual([24, 48, 1]);
    expect(bars.map((bar) => bar.items)).toEqual([40, 20, 0]);
    expect(bars.map((bar) => bar.tone)).toEqual(['bar-ok', 'bar-failed', 'bar-other']);
    expect(bars.map((bar) => bar.failed)).toEqual([false, true, false]);
  });

  it('counts an abandoned run as failed, and scales an empty or zero chart without dividing by zero', () => {
    expect(charts.runBars([run(1, 'abandoned', null)]).bars[0]).toMatchObject({ failed: true, duration: 1 });
    expect(charts.runBars([])).toMatchObject({ maxDuration: 1, maxItems: 1, bars: [] });
  });

  it('sums a chart up in a sentence, its text alternative', () => {
    expect(charts.chartSummary([])).toBe('No finished runs yet.');
    expect(
      charts.chartSummary([
        run(1, 'succeeded', 4000, 100),
        run(2, 'failed', 9000, 40),
        run(3, 'skipped', 0, 0),
        run(4, 'succeeded', 2000, 120),
      ]),
    ).toBe(
      'Last 4 finished runs: 2 succeeded, 1 failed, 1 other. Duration median 3.0 s, longest 9.0 s. ' +
        'Items per run 0–120, latest 120.',
    );
  });
});

const point = (t: string, open: string, high: string, low: string, close: string): PricePoint => ({
  t,
  open,
  high,
  low,
  close,
  points: 4,
});

describe('the price chart (charts.js)', () => {
  const size = { width: 100, height: 60, pad: 5 };
  const range = { from: '2026-12-07T00:00:00.000Z', to: '2026-12-07T10:00:00.000Z' };

  it('places time across the range asked for and price between the lowest low and the highest high', () => {
    const scale = charts.priceScale(
      [
        point('2026-12-07T00:00:00Z', '100', '110', '90', '105'),
        point('2026-12-07T05:00:00Z', '105', '130', '100', '120'),
        // 07:00–09:00 missing (empty buckets are left out): the line jumps the gap in time, not in index.
        point('2026-12-07T10:00:00Z', '120', '125', '80', '90'),
      ],
      range,
      size,
    );
    expect(scale).not.toBeNull();
    expect([scale!.low, scale!.high]).toEqual([80, 130]);
    // y = 5 + (130 - v) / 50 * 50: 105 → 30, 120 → 15, 90 → 45.
    expect(scale!.line).toBe('M0 30 L50 15 L100 45');
    expect(scale!.band).toBe('M0 25 L50 5 L100 10 L100 55 L50 35 L0 45 Z');
  });

  it('draws a flat series across the middle, leaves out points that are not numbers, and answers null for none', () => {
    const flat = charts.priceScale(
      [
        point('2026-12-07T00:00:00Z', '2', '2', '2', '2'),
        point('2026-12-07T05:00:00Z', 'NaN', '2', '2', '2'),
        point('2026-12-07T10:00:00Z', '2', '2', '2', '2'),
      ],
      range,
      size,
    );
    expect(flat!.rows).toHaveLength(2);
    expect(flat!.line).toBe('M0 30 L100 30');
    expect(charts.priceScale([], range, size)).toBeNull();
    expect(charts.priceSummary({ interval: '1h' }, null)).toBe('No prices in this range.');
  });

  it('falls back to the first and last point when the answer has no usable range', () => {
    const scale = charts.priceScale(
      [point('2026-12-07T00:00:00Z', '1', '2', '1', '2'), point('2026-12-07T02:00:00Z', '2', '2', '1', '1')],
      {},
      size,
    );
    expect(scale!.line).toBe('M0 5 L100 55');
  });

  it('says in words what the chart shows: span, open, close with the change, low and high', () => {
    const points = [
      point('2026-12-06T00:00:00Z', '40000.5', '41000', '39500.25', '40500'),
      point('2026-12-07T00:00:00Z', '40500', '42500', '40100', '42000.5'),
    ];
    const scale = charts.priceScale(points, {}, size);
    expect(charts.priceSummary({ interval: '1d' }, scale)).toBe(
      '2 points at 1d from 2026-12-06 00:00:00 to 2026-12-07 00:00:00 UTC: opened at $40,000.50, ' +
        'closed at $42,000.50 (+5.00 %), low $39,500.25, high $42,500.00.',
    );
  });
});
