/** One `job_runs` row as the runner and the API use it, and how it is read from SQL. */
import { toDate, toDateOrNull } from '../database/pg-values.js';
import type { JobMetrics } from './job-result.js';
import type { JobRunStatus, JobTrigger } from './job-run.entity.js';

export interface JobProgress {
  done: number;
  total: number | null;
  updated_at: string;
}

/** One `job_runs` row as the runner and the API use it. */
export interface JobRunRecord {
  id: string;
  jobKey: string;
  jobName: string;
  trigger: JobTrigger;
  scheduledFor: Date | null;
  status: JobRunStatus;
  attempts: number;
  params: Record<string, unknown>;
  startedAt: Date;
  completedAt: Date | null;
  durationMs: number | null;
  heartbeatAt: Date;
  owner: string;
  itemsProcessed: number;
  itemsCreated: number;
  itemsUpdated: number;
  itemsSkipped: number;
  custom: Record<string, unknown>;
  progress: JobProgress | null;
  error: string | null;
  cancelRequestedAt: Date | null;
  cancelledBy: string | null;
  queuedAt: Date | null;
}

export interface NewRun {
  jobKey: string;
  jobName: string;
  trigger: JobTrigger;
  /** The cron slot; `null` for runs that belong to no slot (manual, dependency, cli). */
  slot: Date | null;
  params: Record<string, unknown>;
  owner: string;
  /** Whether the run waits for a JOBS_MAX_CONCURRENT slot (`queued`) instead of starting at once. */
  queued: boolean;
}

/** Everything the end of a run writes, in one statement: a write lost during the run is repaired here. */
export interface RunOutcome {
  status: Extract<JobRunStatus, 'succeeded' | 'failed' | 'cancelled' | 'abandoned'>;
  attempts: number;
  durationMs: number;
  metrics: JobMetrics;
  error: string | null;
  progress: JobProgress | null;
}

export type Row = Record<string, unknown>;

/**
 * Run start times are kept to the millisecond so that a JavaScript Date carries them exactly: they are
 * the keyset cursor of the run history, and a microsecond lost in a round trip would skip or repeat rows.
 */
export const NOW_MS = `date_trunc('milliseconds', now())`;

export const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export const COLUMNS = `id, job_key, job_name, trigger, scheduled_for, status, attempts, params, started_at, completed_at,
  duration_ms, heartbeat_at, owner, items_processed, items_created, items_updated, items_skipped, custom, progress, error,
  cancel_requested_at, cancelled_by, queued_at`;

export function toRecord(row: Row): JobRunRecord {
  return {
    id: String(row.id),
    jobKey: String(row.job_key),
    jobName: String(row.job_name),
    trigger: row.trigger as JobTrigger,
    scheduledFor: toDateOrNull(row.scheduled_for),
    status: row.status as JobRunStatus,
    attempts: Number(row.attempts),
    params: (row.params ?? {}) as Record<string, unknown>,
    startedAt: toDate(row.started_at),
    completedAt: toDateOrNull(row.completed_at),
    durationMs: row.duration_ms === null || row.duration_ms === undefined ? null : Number(row.duration_ms),
    heartbeatAt: toDate(row.heartbeat_at),
    owner: String(row.owner),
    itemsProcessed: Number(row.items_processed),
    itemsCreated: Number(row.items_created),
    itemsUpdated: Number(row.items_updated),
    itemsSkipped: Number(row.items_skipped),
    custom: (row.custom ?? {}) as Record<string, unknown>,
    progress: (row.progress ?? null) as JobProgress | null,
    error: typeof row.error === 'string' ? row.error : null,
    cancelRequestedAt: toDateOrNull(row.cancel_requested_at),
    cancelledBy: typeof row.cancelled_by === 'string' ? row.cancelled_by : null,
    queuedAt: toDateOrNull(row.queued_at),
  };
}
