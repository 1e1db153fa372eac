import type { Logger } from 'pino';
import { describeFailure, JobCancelledError, JobTimeoutError, RunAbandonedError } from '../job-errors.js';

/** How long an aborted job may take to stop before its run is recorded as ended anyway. */
export const ABORT_GRACE_MS = 5000;

export interface SupervisionOptions {
  runId: string;
  controller: AbortController;
  timeoutMs: number;
  heartbeatMs: number;
  /** Proves the run alive; says whether it is still ours and whether someone asked to cancel it. */
  heartbeat: () => Promise<{ alive: boolean; cancelledBy: string | null }>;
  logger: Logger;
}

export interface Supervision {
  /** Starts the run's timeout: a queued run's time limit counts from when it starts running. */
  startTimeout(): void;
  stop(): void;
}

/**
 * Watches one run: aborts its signal on timeout, when another instance took it over (its heartbeat
 * found the row no longer ours) and when a cancel was requested from any replica.
 */
export function supervise(options: SupervisionOptions): Supervision {
  const { controller, logger } = options;
  let timeout: NodeJS.Timeout | undefined;
  let beating = false;
  const heartbeat = setInterval(() => {
    // A slow database must not pile heartbeats up.
    if (beating) return;
    beating = true;
    options
      .heartbeat()
      .then(
        ({ alive, cancelledBy }) => {
          if (!alive) controller.abort(new RunAbandonedError(options.runId));
          else if (cancelledBy !== null) controller.abort(new JobCancelledError(cancelledBy));
        },
        (error: unknown) => logger.warn({ err: error }, `Heartbeat failed: ${describeFailure(error)}`),
      )
      .finally(() => (beating = false));
  }, options.heartbeatMs);
  heartbeat.unref();
  return {
    startTimeout() {
      clearTimeout(timeout);
      timeout = setTimeout(() => controller.abort(new JobTimeoutError(options.timeoutMs)), options.timeoutMs);
    },
    stop() {
      clearTimeout(timeout);
      clearInterval(heartbeat);
    },
  };
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts (the work may go on, unobserved). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits until `work` settles (either way) or `ms` passes, whichever comes first. */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
