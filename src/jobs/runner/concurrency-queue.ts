import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { describeFailure, QueueTimeoutError } from '../job-errors.js';
import type { JobRunRecord } from '../job-runs.repository.js';
import type { ConcurrencySlotsRepository } from './concurrency-slots.repository.js';

/** How often a queued run asks for a slot; a run ending in this process wakes its waiters at once. */
export const QUEUE_POLL_MS = 200;

export interface QueueSettings {
  /** JOBS_MAX_CONCURRENT: runs executing at once across the cluster. */
  maxConcurrent: number;
  /** JOB_QUEUE_TIMEOUT_MS: how long a run may wait for a slot. */
  queueTimeoutMs: number;
  pollMs?: number;
}

/**
 * Holds `queued` runs of this process until the cluster has a free JOBS_MAX_CONCURRENT slot for them,
 * first in, first out across replicas (the promotion in the database decides; see ConcurrencySlotsRepository.promote).
 */
export class ConcurrencyQueue {
  /** Runs of this process waiting for a slot: run id → job key. */
  readonly waiting = new Map<string, string>();
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly slots: Pick<ConcurrencySlotsRepository, 'promote'>,
    private readonly owner: string,
    private readonly settings: QueueSettings,
    private readonly clock: Clock,
    /** The jobs that depend on a job: a running one of them may be waiting for it (see promote). */
    private readonly dependentsOf: (job: string) => readonly string[] = () => [],
  ) {}

  /**
   * Resolves with the run as it starts running (at once for a run that is not queued). Rejects with the
   * signal's reason (cancel, shutdown) or QueueTimeoutError after JOB_QUEUE_TIMEOUT_MS.
   */
  async admit(run: JobRunRecord, signal: AbortSignal, logger: Logger): Promise<JobRunRecord> {
    if (run.status !== 'queued') return run;
    // Measured on the injected clock from when this process queued it (the database clock may differ).
    const queuedAt = this.clock.now().getTime();
    this.waiting.set(run.id, run.jobKey);
    try {
      for (;;) {
        signal.throwIfAborted();
        try {
          const started = await this.slots.promote(
            run.id,
            this.owner,
            this.settings.maxConcurrent,
            this.dependentsOf(run.jobKey),
          );
          if (started) return started;
        } catch (error) {
          // The database is away: keep waiting (the queue timeout still applies), never start unchecked.
          logger.warn({ err: error }, `Could not ask for a concurrency slot: ${describeFailure(error)}`);
        }
        const waited = Math.max(0, this.clock.now().getTime() - queuedAt);
        if (waited >= this.settings.queueTimeoutMs) throw new QueueTimeoutError(waited);
        const pollMs = this.settings.pollMs ?? QUEUE_POLL_MS;
        await this.nap(Math.min(pollMs, this.settings.queueTimeoutMs - waited), signal);
      }
    } finally {
      this.waiting.delete(run.id);
    }
  }

  /** A run of this process ended: its queued runs ask for the slot now instead of at their next poll. */
  wake(): void {
    for (const wake of [...this.wakers]) wake();
  }

  private nap(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cleanUp = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        signal.removeEventListener('abort', onAbort);
      };
      const done = (): void => {
        cleanUp();
        resolve();
      };
      const onAbort = (): void => {
        cleanUp();
        reject(signal.reason as Error);
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
