import type { Logger } from 'pino';
import type { JobDefinition, JobParams } from './job-definition.js';
import type { JobMetrics } from './job-result.js';

/** What a job function gets from the runner for one attempt of one run. */
export interface JobContext {
  readonly runId: string;
  readonly attempt: number;
  /** Child logger carrying `job`, `runId` and `attempt`. */
  readonly logger: Logger;
  /** Fires on timeout, on shutdown and when another instance took the run over; stop working when it does. */
  readonly signal: AbortSignal;
  /** The cron slot this run belongs to (its start time for manual runs): the time bucket the job writes. */
  readonly slot: Date;
  readonly params: JobParams;
  /**
   * Counts so far. A job updates them as it goes, so a failing run still reports what it wrote;
   * the runner reads them when the job ends (or returns its own JobMetrics).
   */
  readonly metrics: JobMetrics;
  /** Reports progress; persisted on the run at most once a second. */
  progress(done: number, total?: number | null): void;
}

export type JobFunction = (ctx: JobContext) => Promise<JobMetrics | void>;

/** A job the runner can start by key: its definition and its work. */
export interface JobHandler {
  readonly definition: JobDefinition;
  readonly run: JobFunction;
}
