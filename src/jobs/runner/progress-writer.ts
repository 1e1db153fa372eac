import type { Clock } from '../clock.js';
import type { JobProgress } from '../job-runs.repository.js';

/** How often progress may be written to the run: the dashboard polls every few seconds at best. */
export const PROGRESS_INTERVAL_MS = 1000;

/**
 * Keeps a run's latest progress and writes it at most once a second; the last report is never lost
 * (a pending write goes out when the window ends, and the final value rides with the run's outcome).
 */
export class ProgressWriter {
  latest: JobProgress | null = null;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private pending: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly write: (progress: JobProgress) => Promise<void>,
    private readonly clock: Clock,
  ) {}

  report(done: number, total: number | null): void {
    const now = this.clock.now();
    this.latest = { done, total, updated_at: now.toISOString() };
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
    // Progress is advisory: a lost write is superseded by the next one or by the outcome.
    if (this.latest) this.write(this.latest).catch(() => undefined);
  }
}
