import type { RunFailure } from '../job-result.js';
import type { RunOutcome } from '../job-runs.repository.js';
import {
  DependencyFailedError,
  describeFailure,
  isUpstreamFailure,
  JobCancelledError,
  JobInterruptedError,
  JobTimeoutError,
  QueueTimeoutError,
  RunAbandonedError,
} from '../job-errors.js';

/**
 * The typed failure a caller in this process acts on (the HTTP layer answers 502 for `upstream`). A
 * dependency that failed because CoinGecko did makes this run an upstream failure too.
 */
export function failureOf(error: unknown): RunFailure {
  const message = describeFailure(error);
  if (error instanceof JobCancelledError) return { kind: 'cancelled', message };
  if (error instanceof JobTimeoutError || error instanceof QueueTimeoutError)
    return { kind: 'timeout', message };
  if (error instanceof JobInterruptedError || error instanceof RunAbandonedError) {
    return { kind: 'interrupted', message };
  }
  if (error instanceof DependencyFailedError)
    return { kind: error.upstream ? 'upstream' : 'dependency', message };
  if (isUpstreamFailure(error)) return { kind: 'upstream', message };
  return { kind: 'internal', message };
}

/** The status a run ends with: shutdown leaves it `abandoned` (catch-up may run its slot again). */
export function endStatus(error: unknown, failed: boolean): RunOutcome['status'] {
  if (!failed) return 'succeeded';
  if (error instanceof JobInterruptedError) return 'abandoned';
  if (error instanceof JobCancelledError) return 'cancelled';
  return 'failed';
}
