import type { ServerResponse } from 'node:http';
import pino from 'pino';
import {
  isUpstreamFailure,
  JobCancelledError,
  JobInterruptedError,
  JobTimeoutError,
  RunAbandonedError,
} from '../../jobs/job-errors.js';
import { currentRun } from '../../jobs/run-context.js';

/*
 * How log lines are shaped beyond pino's defaults: the run they belong to, the error message of a 4xx,
 * no stack traces for failures an operator expects, and error objects that cannot drag a whole client in.
 */

/**
 * pino `mixin`: a line written while a run's work executes (the runner's, the CoinGecko client's retries,
 * the upserts…) names the run, unless the logger or the call already does.
 */
export function runFields(merge: object, _level: number, logger: pino.Logger): object {
  const run = currentRun();
  if (!run || 'runId' in merge || 'runId' in logger.bindings()) return {};
  return { job: run.job, runId: run.runId };
}

const errorMessages = new WeakMap<object, string>();

/** Called by the exception filter: the request line of a 4xx then says why it was refused. */
export function recordErrorMessage(response: object, message: string): void {
  errorMessages.set(response, message);
}

export function errorMessageOf(response: object): string | undefined {
  return errorMessages.get(response);
}

/** `GET /api/v1/jobs/runs?limit=0 400: limit must be …` for a refused request, pino-http's default otherwise. */
export function requestMessage(req: { method?: string; url?: string }, res: ServerResponse): string {
  const message = res.statusCode >= 400 ? errorMessageOf(res) : undefined;
  const line = `${req.method ?? ''} ${req.url ?? ''} ${res.statusCode}`;
  return message ? `${line}: ${message}` : `request completed`;
}

/**
 * Failures the service expects and explains in words — CoinGecko down or rate-limited, a timeout, a
 * cancel, a shutdown — are logged with their message; their stack trace helps nobody at warn level.
 */
export function isExpectedFailure(error: unknown): boolean {
  return (
    isUpstreamFailure(error) ||
    error instanceof JobTimeoutError ||
    error instanceof JobCancelledError ||
    error instanceof JobInterruptedError ||
    error instanceof RunAbandonedError
  );
}

/** Properties of driver errors that reference live objects (pg's client, its connection): never serialised. */
const LIVE_OBJECT_KEYS = ['client', 'connection', 'socket', 'pool'];

/**
 * pino's error serializer, minus references to live objects, which print as several KB of internals, and
 * minus the empty stack of an error shown without one. pino-http hands it errors already through pino's own
 * serializer, plain pino the errors themselves: both are handled.
 */
export function serializeError(error: unknown): unknown {
  const serialized =
    error instanceof Error ? (pino.stdSerializers.err(error) as unknown as Record<string, unknown>) : error;
  if (typeof serialized !== 'object' || serialized === null) return serialized;
  const fields = { ...(serialized as Record<string, unknown>) };
  for (const key of LIVE_OBJECT_KEYS) delete fields[key];
  if (fields.stack === '' || fields.stack === undefined) delete fields.stack;
  return fields;
}

/**
 * pino `hooks.logMethod`: at info level and above, an expected failure's `err` loses its stack; with
 * debug enabled its full form follows on a debug line.
 */
export function logMethod(
  this: pino.Logger,
  args: Parameters<pino.LogFn>,
  method: pino.LogFn,
  level: number,
): void {
  const [first, ...rest] = args as unknown[];
  const err = typeof first === 'object' && first !== null ? (first as { err?: unknown }).err : undefined;
  if (level <= pino.levels.values.debug || !isExpectedFailure(err)) {
    method.apply(this, args);
    return;
  }
  const failure = err as Error;
  // The same error without its stack: same class and fields, so serialisers see what they always see.
  const bare = Object.assign(Object.create(Object.getPrototypeOf(failure) as object) as Error, failure, {
    message: failure.message,
    stack: undefined,
  });
  const brief = { ...(first as object), err: bare };
  method.apply(this, [brief, ...rest] as Parameters<pino.LogFn>);
  if (this.isLevelEnabled('debug')) {
    this.debug({ err: failure }, `Details of: ${typeof rest[0] === 'string' ? rest[0] : failure.message}`);
  }
}
