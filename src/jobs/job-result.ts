import type { UPSTREAM_FAILURE } from './job-errors.js';
import type { JobRunStatus } from './job-run.entity.js';

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

/** A run's JobResult as the runner hands it over in-process (see UPSTREAM_FAILURE). */
export type RunCompletion = JobResult & { readonly [UPSTREAM_FAILURE]?: true };
