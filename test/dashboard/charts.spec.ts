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
