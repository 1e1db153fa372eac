import { systemClock, type Clock } from './clock.js';
import type { JobRunStatus } from './job-run.entity.js';
import type { JobRunRecord } from './job-runs.repository.js';

/** The original README's JobMetrics; field names are the wire format. */
export interface JobMetrics {
  items_processed: number;
  items_created: number;
  items_updated: number;
  items_skipped: number;
  custom: Record<string, unknown>;
}

/** The original README's JobResult plus the run's identity in `job_runs`; field names are the wire format. */
export interface JobResult {
  success: boolean;
  /** The run label, e.g. `top_coins_collection(limit=100)`. */
  job_name: string;
  duration_ms: number;
  started_at: string;
  completed_at: string | null;
  metrics: JobMetrics;
  error?: string;
  run_id: string;
  status: JobRunStatus;
  attempts: number;
}

export function emptyMetrics(): JobMetrics {
  return { items_processed: 0, items_created: 0, items_updated: 0, items_skipped: 0, custom: {} };
}

/**
 * Why a run did not succeed, for the caller in this process: `upstream` (CoinGecko failed; the API
 * answers 502), `timeout`, `interrupted` (shutdown, or another replica took the run over), `dependency`,
 * `cancelled` or `internal` (anything else; 500). Never serialised: strip it before answering over HTTP.
 */
export type FailureKind = 'upstream' | 'timeout' | 'interrupted' | 'dependency' | 'cancelled' | 'internal';

export interface RunFailure {
  kind: FailureKind;
  message: string;
}

/** A run's JobResult as the runner hands it over in-process, with the failure kind when it failed. */
export type RunCompletion = JobResult & { readonly failure?: RunFailure };

/** The JobResult alone, as it goes over the wire: the in-process `failure` removed. */
export function withoutFailure(result: RunCompletion): JobResult {
  const { failure: _failure, ...wire } = result;
  return wire;
}

/** The wire form of a run; a running run's duration is measured on `clock` up to now. */
export function toJobResult(run: JobRunRecord, clock: Clock = systemClock): JobResult {
  const running = run.status === 'running';
  return {
    success: run.status === 'succeeded',
    job_name: run.jobName,
    duration_ms:
      run.durationMs ?? (running ? Math.max(0, clock.now().getTime() - run.startedAt.getTime()) : 0),
    started_at: run.startedAt.toISOString(),
    completed_at: run.completedAt?.toISOString() ?? null,
    metrics: {
      items_processed: run.itemsProcessed,
      items_created: run.itemsCreated,
      items_updated: run.itemsUpdated,
      items_skipped: run.itemsSkipped,
      custom: run.custom,
    },
    ...(run.error ? { error: run.error } : {}),
    run_id: run.id,
    status: run.status,
    attempts: run.attempts,
  };
}
