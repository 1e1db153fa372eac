import type { JobFunction } from '../job-context.js';
import type { JobParams } from '../job-definition.js';
import type { RunCompletion } from '../job-result.js';
import type { JobTrigger } from '../job-run.entity.js';
import type { JobRunRecord } from '../job-runs.repository.js';

/** A run of a registered job: its definition and configured `<PREFIX>_*` settings apply. */
export interface RegisteredRunOptions {
  job: string;
  /** Default `manual`. */
  trigger?: JobTrigger;
  /** Defaults to the job's configured `<PREFIX>_LIMIT`. */
  params?: Partial<JobParams>;
  /** The cron slot (scheduled and catch-up runs): one run per `(job, slot)` across all replicas. */
  slot?: Date;
  /** When the slot's run was abandoned (its owner died mid-run), take it over and run the slot again. */
  reclaimAbandoned?: boolean;
}

/** The original README's ad-hoc form: any async function, run as a named job with the same guarantees. */
export interface AdHocRunOptions {
  /** Stored as `job_runs.job_key`: one run of a name at a time, across replicas. */
  name: string;
  fn: JobFunction;
  /** The run label (`job_name`); defaults to `name`. */
  label?: string;
  params?: JobParams;
  /** Default `manual`. */
  trigger?: JobTrigger;
  slot?: Date;
  /** Default 15 minutes. */
  timeoutMs?: number;
  /** Jobs that must have succeeded once before this one runs. */
  dependsOn?: readonly string[];
}

export type RunOptions = RegisteredRunOptions | AdHocRunOptions;

export type StartOutcome =
  /** This instance claimed the run; `completion` settles with its result (it never rejects). */
  | { kind: 'started'; run: JobRunRecord; completion: Promise<RunCompletion> }
  /** A run without a slot was refused: the job is running (here or on another replica). */
  | { kind: 'already_running'; running: JobRunRecord }
  /** The cron slot already has a run (another replica claimed it, or it ran before). */
  | { kind: 'slot_taken'; existing: JobRunRecord }
  /** The slot found the job busy; a `skipped` run records why. */
  | { kind: 'skipped'; skipped: JobRunRecord; running: JobRunRecord | undefined };

export type CancelOutcome =
  /** Recorded on the run; its owner stops it within one heartbeat (at once when this process owns it). */
  | { kind: 'requested'; run: JobRunRecord }
  /** The run is neither running nor queued. */
  | { kind: 'not_cancellable'; run: JobRunRecord }
  | { kind: 'not_found' };
