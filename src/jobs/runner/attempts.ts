import { classifyFailure } from '../job-errors.js';
import { emptyMetrics, type JobMetrics } from '../job-result.js';
import { ABORT_GRACE_MS, settledWithin, sleep, untilAborted } from './supervision.js';

export interface RetryPolicy {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/**
 * Exponential backoff with full jitter, at least what the error asked for (Retry-After), at most
 * JOB_RETRY_MAX_MS. `random` is injectable so tests can pin the jitter.
 */
export function backoffMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** (attempt - 1));
  const jittered = Math.round(random() * ceiling);
  return Math.min(policy.retryMaxMs, Math.max(retryAfterMs ?? 0, jittered));
}

/** One attempt as started by the caller: its work and the metrics the job updates as it goes. */
export interface StartedAttempt {
  work: Promise<JobMetrics | void>;
  metrics: JobMetrics;
}

export interface AttemptsOptions {
  policy: RetryPolicy;
  signal: AbortSignal;
  start(attempt: number): StartedAttempt;
  /** Heard before waiting `delayMs` to retry; the failed attempt's number and error. */
  onRetry(attempt: number, failure: unknown, delayMs: number): void;
  /** Heard when attempt `attempt` is about to start (after the first). */
  onNextAttempt(attempt: number): Promise<void>;
  random?: () => number;
}

export type AttemptsOutcome =
  | { failed: false; attempts: number; metrics: JobMetrics }
  | { failed: true; attempts: number; metrics: JobMetrics; error: unknown };

/**
 * Runs attempts until one succeeds, a failure is not worth repeating (see classifyFailure), the attempts
 * run out or the signal aborts. An aborted attempt gets ABORT_GRACE_MS to stop, so the run is not recorded
 * as ended — and the job freed — while its work still writes. Never rejects.
 */
export async function runAttempts(options: AttemptsOptions): Promise<AttemptsOutcome> {
  const { policy, signal } = options;
  let metrics = emptyMetrics();
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) {
      try {
        await options.onNextAttempt(attempt);
      } catch (error) {
        return { failed: true, attempts: attempt, metrics, error };
      }
    }
    let started: StartedAttempt | undefined;
    try {
      started = options.start(attempt);
      const returned = await untilAborted(started.work, signal);
      return { failed: false, attempts: attempt, metrics: normaliseMetrics(returned ?? started.metrics) };
    } catch (thrown) {
      if (signal.aborted && started) await settledWithin(started.work, ABORT_GRACE_MS);
      if (started) metrics = normaliseMetrics(started.metrics);
      const error = signal.aborted ? (signal.reason as unknown) : thrown;
      const { retryable, retryAfterMs } = classifyFailure(error);
      if (signal.aborted || !retryable || attempt >= policy.maxAttempts) {
        return { failed: true, attempts: attempt, metrics, error };
      }
      const delay = backoffMs(policy, attempt, retryAfterMs, options.random);
      options.onRetry(attempt, error, delay);
      try {
        await sleep(delay, signal);
      } catch (reason) {
        return { failed: true, attempts: attempt, metrics, error: reason };
      }
    }
  }
}

/** Counts as whole non-negative numbers: a job's arithmetic slip must not corrupt the run history. */
export function normaliseMetrics(metrics: JobMetrics): JobMetrics {
  const count = (value: number): number => (Number.isFinite(value) && value > 0 ? Math.round(value) : 0);
  return {
    items_processed: count(metrics.items_processed),
    items_created: count(metrics.items_created),
    items_updated: count(metrics.items_updated),
    items_skipped: count(metrics.items_skipped),
    custom: { ...metrics.custom },
  };
}
