import type { JobRunDto } from '../dto/job-views.dto.js';
import type { JobRunStatus, JobTrigger } from '../job-run.entity.js';
import type { JobProgress } from '../job-runs.repository.js';

/**
 * One `job_runs` row as the history reads it: only the columns a view shows, timestamps already formatted
 * by PostgreSQL as the API writes them (ISO 8601 UTC, milliseconds), so nothing is parsed into a Date and
 * back on the way out.
 */
export interface RunViewRow {
  id: string;
  job_key: string;
  job_name: string;
  trigger: JobTrigger;
  scheduled_for: string | null;
  /** When the run began waiting for a `JOBS_MAX_CONCURRENT` slot; null for a run that never queued. */
  queued_at: string | null;
  status: JobRunStatus;
  attempts: number;
  params: Record<string, unknown>;
  /** Microseconds (`…T00:00:00.012000Z`): the exact keyset position; the view shows milliseconds. */
  started_at: string;
  completed_at: string | null;
  duration_ms: number | null;
  heartbeat_at: string;
  owner: string;
  items_processed: number;
  items_created: number;
  items_updated: number;
  items_skipped: number;
  custom: Record<string, unknown>;
  progress: JobProgress | null;
  error: string | null;
}

/** `…T00:00:00.012345Z` → `…T00:00:00.012Z`, as `Date#toISOString` (which truncates) would write it. */
export const toMilliseconds = (microseconds: string): string => `${microseconds.slice(0, 23)}Z`;

/**
 * The wire form of a run (the JobResult fields, then the run's scheduling and ownership), built in one
 * pass. A running run's duration is measured up to `nowMs`.
 */
export function toRunView(row: RunViewRow, nowMs: number): JobRunDto {
  const startedAt = toMilliseconds(row.started_at);
  const duration =
    row.duration_ms ?? (row.status === 'running' ? Math.max(0, nowMs - Date.parse(startedAt)) : 0);
  return {
    success: row.status === 'succeeded',
    job_name: row.job_name,
    duration_ms: duration,
    started_at: startedAt,
    completed_at: row.completed_at,
    metrics: {
      items_processed: row.items_processed,
      items_created: row.items_created,
      items_updated: row.items_updated,
      items_skipped: row.items_skipped,
      custom: row.custom,
    },
    // Only when there is one, as in every JobResult the runner answers.
    ...(row.error ? { error: row.error } : {}),
    run_id: row.id,
    status: row.status,
    attempts: row.attempts,
    job_key: row.job_key,
    trigger: row.trigger,
    scheduled_for: row.scheduled_for,
    queued_at: row.queued_at,
    params: row.params,
    progress: row.progress,
    heartbeat_at: row.heartbeat_at,
    owner: row.owner,
  };
}
