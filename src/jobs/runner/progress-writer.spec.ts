import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobMetrics } from '../job-result.js';
import type { JobProgress } from '../job-runs.repository.js';
import { ProgressWriter } from './progress-writer.js';

describe('ProgressWriter', () => {
  let now: number;
  const clock = { now: () => new Date(now) };
  let writes: JobProgress[];
  let writer: ProgressWriter;

  beforeEach(() => {
    vi.useFakeTimers();
    now = Date.parse('2026-03-01T10:00:00Z');
    writes = [];
    writer = new ProgressWriter(async (progress) => void writes.push(progress), clock);
  });

  afterEach(() => vi.useRealTimers());

  const advance = (ms: number): void => {
    now += ms;
    vi.advanceTimersByTime(ms);
  };

  it('writes the first report at once and the latest of the next ones when the second is over', () => {
    for (let done = 1; done <= 100; done++) writer.report(done, 100);
    expect(writes).toEqual([{ done: 1, total: 100, updated_at: '2026-03-01T10:00:00.000Z' }]);
    advance(999);
    expect(writes).toHaveLength(1);
    advance(1);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toMatchObject({ done: 100, total: 100 });
    expect(writer.latest).toMatchObject({ done: 100 });
  });

  it('stamps each report with the injected clock', () => {
    now = Date.parse('2030-01-01T00:00:00Z');
    writer.report(3, null);
    expect(writer.latest).toEqual({ done: 3, total: null, updated_at: '2030-01-01T00:00:00.000Z' });
  });

  it('writes nothing after dispose: the final value goes out with the outcome', () => {
    writer.report(1, 10);
    writer.report(2, 10);
    writer.dispose();
    advance(5000);
    writer.report(3, 10);
    expect(writes).toHaveLength(1);
    expect(writer.latest).toMatchObject({ done: 3 });
  });

  it('writes the counts of the moment the write goes out, normalised, with each progress write', () => {
    const sent: (JobMetrics | null)[] = [];
    const withMetrics = new ProgressWriter(async (_progress, metrics) => void sent.push(metrics), clock);
    const metrics: JobMetrics = {
      items_processed: 1,
      items_created: 0,
      items_updated: 0,
      items_skipped: 0,
      custom: { pages: 1 },
    };
    withMetrics.report(1, 10, metrics);
    expect(sent).toEqual([{ ...metrics, custom: { pages: 1 } }]);
    withMetrics.report(2, 10, metrics);
    metrics.items_processed = 7.6;
    metrics.items_created = -3;
    metrics.items_updated = Number.NaN;
    metrics.items_skipped = 2;
    metrics.custom = { pages: 3 };
    advance(1000);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual({
      items_processed: 8,
      items_created: 0,
      items_updated: 0,
      items_skipped: 2,
      custom: { pages: 3 },
    });
    // A snapshot: later changes by the job do not leak into a write already sent.
    metrics.custom.pages = 4;
    expect(sent[1]?.custom).toEqual({ pages: 3 });
    withMetrics.report(3, 10, metrics);
    withMetrics.dispose();
    advance(5000);
    expect(sent).toHaveLength(2);
  });

  it('writes no counts when the job reported none', () => {
    const sent: (JobMetrics | null)[] = [];
    const bare = new ProgressWriter(async (_progress, metrics) => void sent.push(metrics), clock);
    bare.report(1, 2);
    expect(sent).toEqual([null]);
  });

  it('survives a failed write', async () => {
    const failing = new ProgressWriter(() => Promise.reject(new Error('database gone')), clock);
    failing.report(1, 1);
    await vi.runAllTimersAsync();
    expect(failing.latest).toMatchObject({ done: 1 });
  });
});
