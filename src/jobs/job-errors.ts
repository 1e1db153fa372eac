import { ConnectionException, DeadlockException, LockWaitTimeoutException } from '@mikro-orm/core';
import { isStatementTimeout, STATEMENT_TIMEOUT_MESSAGE } from '../database/statement-timeout.js';
import type { JobResult } from './job-result.js';

/** A failure a job knows to be passing (e.g. a lock it could not get); the runner retries the run. */
export class RetryableJobError extends Error {
  readonly retryable = true;

  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RetryableJobError';
  }
}

export class JobTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'JobTimeoutError';
  }
}

export class JobInterruptedError extends Error {
  constructor() {
    super('interrupted by shutdown');
    this.name = 'JobInterruptedError';
  }
}

/** Another instance marked this run abandoned (it missed its heartbeats); this instance must stop working on it. */
export class RunAbandonedError extends Error {
  constructor(runId: string) {
    super(`run ${runId} was marked abandoned by another instance (missed heartbeats); its work was stopped`);
    this.name = 'RunAbandonedError';
  }
}

export class DependencyFailedError extends Error {
  constructor(
    readonly dependency: string,
    reason: string,
    /** The dependency failed because CoinGecko did: so did this run. */
    readonly upstream = false,
  ) {
    super(`dependency ${dependency} failed: ${reason}`);
    this.name = 'DependencyFailedError';
  }
}

/** A queued run found no JOBS_MAX_CONCURRENT slot within JOB_QUEUE_TIMEOUT_MS; it fails without running. */
export class QueueTimeoutError extends Error {
  constructor(readonly waitedMs: number) {
    super(`waited ${waitedMs} ms for a concurrency slot`);
    this.name = 'QueueTimeoutError';
  }
}

/** An operator asked for the run to stop (`POST /jobs/runs/{id}/cancel`); the run ends `cancelled`. */
export class JobCancelledError extends Error {
  constructor(readonly by: string) {
    super(`cancelled by ${by}`);
    this.name = 'JobCancelledError';
  }
}

/** Whether an error says it came from upstream (CoinGecko errors carry `upstream: true`). */
export function isUpstreamFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { upstream?: unknown }).upstream === true;
}

/** Raised on a trigger while the service shuts down; the API answers 503. */
export class JobsShuttingDownError extends Error {
  constructor() {
    super('the service is shutting down and accepts no new job runs');
    this.name = 'JobsShuttingDownError';
  }
}

export class UnknownJobError extends Error {
  constructor(readonly jobKey: string) {
    super(`unknown job ${jobKey}`);
    this.name = 'UnknownJobError';
  }
}

/** A manual run was refused because the job is already running (anywhere); carries that run. */
export class JobAlreadyRunningError extends Error {
  constructor(readonly running: JobResult) {
    super(`job ${running.job_name} is already running (run ${running.run_id})`);
    this.name = 'JobAlreadyRunningError';
  }
}

const TRANSIENT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
/** PostgreSQL states that mean "try again": connection exceptions, shutdown in progress, serialization, deadlock. */
const TRANSIENT_SQL_STATE = /^(08|57P0[123]|40001|40P01|55P03)/;

interface ErrorLike {
  retryable?: unknown;
  retryAfterMs?: unknown;
  code?: unknown;
  message?: unknown;
}

/**
 * Whether a failed attempt is worth repeating at job level. An error that says so itself (`retryable`)
 * decides — CoinGecko errors say `false` because the client already retried the request. Otherwise only
 * database trouble that passes on its own is retried: a lost connection, a serialization failure or
 * deadlock, a lock timeout. Bad data, bad config and bugs fail at once.
 */
export function classifyFailure(error: unknown): { retryable: boolean; retryAfterMs?: number } {
  if (typeof error !== 'object' || error === null) return { retryable: false };
  const candidate = error as ErrorLike;
  if (typeof candidate.retryable === 'boolean') {
    const retryAfterMs = typeof candidate.retryAfterMs === 'number' ? candidate.retryAfterMs : undefined;
    return { retryable: candidate.retryable, retryAfterMs };
  }
  if (
    error instanceof ConnectionException ||
    error instanceof DeadlockException ||
    error instanceof LockWaitTimeoutException
  ) {
    return { retryable: true };
  }
  const code = typeof candidate.code === 'string' ? candidate.code : '';
  if (TRANSIENT_NETWORK_CODES.has(code) || TRANSIENT_SQL_STATE.test(code)) return { retryable: true };
  const message = typeof candidate.message === 'string' ? candidate.message : '';
  if (/Connection terminated|connection timeout|Client has encountered a connection error/i.test(message)) {
    return { retryable: true };
  }
  return { retryable: false };
}

/** One line an operator can act on: the error's own message, without the driver's appended detail lines or a stack. */
export function describeFailure(error: unknown): string {
  // The driver's text would name the SQL; the operator needs to know the database was too slow.
  if (isStatementTimeout(error)) return STATEMENT_TIMEOUT_MESSAGE;
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0]?.trim();
  return firstLine && firstLine.length > 0
    ? firstLine
    : error instanceof Error
      ? error.name
      : 'unknown error';
}
