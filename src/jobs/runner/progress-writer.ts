import type { Clock } from '../clock.js';
import type { JobMetrics } from '../job-result.js';
import type { JobProgress } from '../job-runs.repository.js';
import { normaliseMetrics } from './attempts.js';

/** How often progress may be written to the run: the dashboard polls every few seconds at best. */
export const PROGRESS_INTERVAL_MS = 1000;

/**
 * Keeps a run's latest progress and writes it, with the job's counts so far, at most once a second;
 * the last report is never lost (a pending write goes out when the window ends, and the final value
 * rides with the run's outcome).
 */
export class ProgressWriter {
  latest: JobProgress | null = null;
  private metrics: JobMetrics | null = null;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private pending: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly write: (progress: JobProgress, metrics: JobMetrics | null) => Promise<void>,
    private readonly clock: Clock,
  ) {}

  /**
   * `metrics` is the attempt's live object: it is read when the write goes out, so a delayed write
   * carries the counts of that moment, not those of the report that scheduled it.
   */
  report(done: number, total: number | null, metrics?: JobMetrics): void {
    const now = this.clock.now();
    this.latest = { done, total, updated_at: now.toISOString() };
    if (metrics) this.metrics = metrics;
    if (this.pending || this.disposed) return;
    const wait = this.lastWriteAt + PROGRESS_INTERVAL_MS - now.getTime();
    if (wait <= 0) this.flush();
    else {
      this.pending = setTimeout(() => this.flush(), wait);
      this.pending.unref();
    }
  }

  /** The final progress goes out with the run's outcome; no write may follow it. */
  dispose(): void {
    clearTimeout(this.pending);
    this.pending = undefined;
    this.disposed = true;
  }

  private flush(): void {
    this.pending = undefined;
    this.lastWriteAt = this.clock.now().getTime();
    if (!this.latest) return;
    // A snapshot: the job keeps mutating its object while the write is in flight.
    const metrics = this.metrics ? normaliseMetrics(this.metrics) : null;
    // Progress is advisory: a lost write is superseded by the next one or by the outcome.
    this.write(this.latest, metrics).catch(() => undefined);
  }
}
