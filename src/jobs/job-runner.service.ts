import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { JobSettings } from '../config/app-config.js';
import type { JobParams } from './job-definition.js';
import type { JobContext, JobFunction } from './job-context.js';
import {
  classifyFailure,
  DependencyFailedError,
  describeFailure,
  JobAlreadyRunningError,
  JobInterruptedError,
  JobsShuttingDownError,
  JobTimeoutError,
  isUpstreamFailure,
  RunAbandonedError,
  UPSTREAM_FAILURE,
} from './job-errors.js';
import { JobRegistry } from './job-registry.js';
import { emptyMetrics, type JobMetrics, type JobResult, type RunCompletion } from './job-result.js';
import type { JobTrigger } from './job-run.entity.js';
import {
  JobRunsRepository,
  type JobProgress,
  type JobRunRecord,
  type NewRun,
  type RunOutcome,
} from './job-runs.repository.js';

/** The runner's knobs, from the environment (JOB_*, SHUTDOWN_TIMEOUT_MS, `<PREFIX>_TIMEOUT_MS`, `<PREFIX>_LIMIT`). */
export interface JobRunnerSettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  heartbeatMs: number;
  staleAfterMs: number;
  shutdownTimeoutMs: number;
  byKey: Record<string, JobSettings>;
}

export const JOB_RUNNER_SETTINGS = Symbol('JOB_RUNNER_SETTINGS');
/** The root pino logger; each run logs through a child carrying `job`, `runId` and `attempt`. */
export const JOBS_LOGGER = Symbol('JOBS_LOGGER');

export interface ExecuteOptions {
  /** Default `manual`. */
  trigger?: JobTrigger;
  params?: JobParams;
  /** The cron slot (scheduled and catch-up runs): one run per `(job, slot)` across all replicas. */
  slot?: Date;
  timeoutMs?: number;
  /** Jobs that must have succeeded once before this one runs; run first (trigger `dependency`) when they have not. */
  dependsOn?: readonly string[];
  /** When the slot's run was abandoned (its owner died mid-run), take it over and run the slot again. */
  reclaimAbandoned?: boolean;
}

export type StartOutcome =
  /** This instance claimed the run; `completion` settles with its JobResult (it never rejects). */
  | { kind: 'started'; run: JobRunRecord; completion: Promise<RunCompletion> }
  /** A manual-type run was refused: the job is running (here or on another replica). */
  | { kind: 'already_running'; running: JobRunRecord }
  /** The cron slot already has a run (another replica claimed it, or it ran before). */
  | { kind: 'slot_taken'; existing: JobRunRecord }
  /** The slot found the job busy; a `skipped` run records why. */
  | { kind: 'skipped'; skipped: JobRunRecord; running: JobRunRecord | undefined };

export interface RunRequest {
  job: string;
  trigger: JobTrigger;
  /** Defaults to the job's configured `<PREFIX>_LIMIT`. */
  params?: Partial<JobParams>;
  slot?: Date;
  reclaimAbandoned?: boolean;
}

/** What a listener hears when a run of this process ends (metrics, alerting). */
export interface RunEndEvent {
  jobKey: string;
  trigger: JobTrigger;
  result: RunCompletion;
}

interface ActiveRun {
  jobKey: string;
  controller: AbortController;
  completion: Promise<RunCompletion>;
}

const DEPENDENCY_POLL_MS = 500;
const FINISH_WRITE_ATTEMPTS = 3;
const CLAIM_ROUNDS = 5;
/** How long an aborted job may take to stop before its run is recorded as ended anyway. */
const ABORT_GRACE_MS = 5000;

/**
 * Runs every job — scheduled, manual, catch-up, dependency or CLI — with the same timing, logs,
 * metrics, persisted run history, retries, timeout and shutdown behaviour. No job times, logs, retries
 * or records itself. State that replicas must agree on lives in `job_runs`, never only in memory.
 */
@Injectable()
export class JobRunnerService {
  /** Names this process in `job_runs.owner`, so a stale run says whose it was. */
  readonly instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private accepting = true;
  private readonly active = new Map<string, ActiveRun>();
  /** Starts between the `accepting` check and their entry in `active`: shutdown waits for them too. */
  private readonly starting = new Set<Promise<unknown>>();
  private readonly runEndListeners = new Set<(event: RunEndEvent) => void>();
  /** Jobs known to have succeeded once; success is permanent, so a dependency is checked in the database only until then. */
  private readonly succeeded = new Set<string>();

  constructor(
    private readonly runs: JobRunsRepository,
    private readonly registry: JobRegistry,
    @Inject(JOB_RUNNER_SETTINGS) private readonly settings: JobRunnerSettings,
    @Inject(JOBS_LOGGER) private readonly logger: Logger,
  ) {}

  /** Calls `listener` whenever a run of this process ends; returns a function that removes it. */
  onRunEnd(listener: (event: RunEndEvent) => void): () => void {
    this.runEndListeners.add(listener);
    return () => this.runEndListeners.delete(listener);
  }

  /** False once shutdown has begun: every new run is refused. */
  get isAccepting(): boolean {
    return this.accepting;
  }

  get activeRunIds(): string[] {
    return [...this.active.keys()];
  }

  /** The job key of each run in progress on this instance (one entry per run). */
  get activeJobKeys(): string[] {
    return [...this.active.values()].map((run) => run.jobKey);
  }

  /**
   * Runs `fn` as a run of `jobKey` and waits for it. Throws JobAlreadyRunningError when the job is
   * running elsewhere, and returns the slot's existing or skipped run when a cron slot was not ours.
   */
  async execute(
    jobKey: string,
    label: string,
    fn: JobFunction,
    options: ExecuteOptions = {},
  ): Promise<JobResult> {
    const outcome = await this.start(jobKey, label, fn, options);
    switch (outcome.kind) {
      case 'started':
        return outcome.completion;
      case 'already_running':
        throw new JobAlreadyRunningError(toJobResult(outcome.running));
      case 'slot_taken':
        return toJobResult(outcome.existing);
      case 'skipped':
        return toJobResult(outcome.skipped);
    }
  }

  /** Starts a registered job by key with its configured defaults (what triggers, the scheduler and the CLI use). */
  async run(request: RunRequest): Promise<StartOutcome> {
    const { definition, run } = this.registry.get(request.job);
    const configured = this.settings.byKey[definition.key];
    const params: JobParams = { limit: configured?.limit ?? definition.defaultLimit, ...request.params };
    return this.start(definition.key, definition.label(params), run, {
      trigger: request.trigger,
      params,
      slot: request.slot,
      timeoutMs: configured?.timeoutMs,
      dependsOn: definition.dependsOn,
      reclaimAbandoned: request.reclaimAbandoned,
    });
  }

  /** Claims the run in the database and starts it without waiting (see StartOutcome). */
  async start(
    jobKey: string,
    label: string,
    fn: JobFunction,
    options: ExecuteOptions = {},
  ): Promise<StartOutcome> {
    if (!this.accepting) throw new JobsShuttingDownError();
    const starting = this.claimAndStart(jobKey, label, fn, options);
    this.starting.add(starting);
    try {
      return await starting;
    } finally {
      this.starting.delete(starting);
    }
  }

  private async claimAndStart(
    jobKey: string,
    label: string,
    fn: JobFunction,
    options: ExecuteOptions,
  ): Promise<StartOutcome> {
    const params = options.params ?? { limit: null };
    const request: NewRun = {
      jobKey,
      jobName: label,
      trigger: options.trigger ?? 'manual',
      slot: options.slot ?? null,
      params: { ...params },
      owner: this.instanceId,
    };

    let run: JobRunRecord | undefined;
    // A failed claim means the slot has a run, or the job runs somewhere; a lookup tells which. The
    // answer can change under us (the running run ends, a stale one is swept), hence a few rounds.
    for (let round = 0; round < CLAIM_ROUNDS && !run; round++) {
      run = await this.runs.claim(request);
      if (run) break;
      if (request.slot) {
        const existing = await this.runs.findBySlot(jobKey, request.slot);
        if (existing?.status === 'abandoned' && options.reclaimAbandoned) {
          run = await this.runs.reclaimAbandoned(existing.id, request);
          if (run) {
            this.logger.info(
              { job: jobKey, runId: run.id, slot: request.slot.toISOString(), previousOwner: existing.owner },
              `Re-running slot ${request.slot.toISOString()} of ${jobKey}: its run was abandoned (${existing.error ?? 'no reason'})`,
            );
            break;
          }
        }
        if (existing) return { kind: 'slot_taken', existing };
      }
      const running = await this.runs.findRunning(jobKey);
      // If its owner died, the stale sweep frees the job and the next round's claim may win.
      if (running && (await this.sweepStale()).some((stale) => stale.id === running.id)) continue;
      if (!request.slot) {
        if (running) return { kind: 'already_running', running };
        continue; // it ended between the claim and the lookup: claim again
      }
      // The job was busy when the slot fired (even if that run has ended since): the slot is skipped.
      const detail = running ? ` (run ${running.id}, owner ${running.owner})` : '';
      const reason = `skipped: ${jobKey} was already running${detail}`;
      const skipped = await this.runs.recordSkipped(request, reason);
      if (skipped) {
        this.logger.info(
          { job: jobKey, runId: skipped.id, slot: request.slot.toISOString() },
          `Job '${label}' ${reason}`,
        );
        return { kind: 'skipped', skipped, running };
      }
    }
    if (!run) throw new Error(`could not claim a run of ${jobKey}: the job kept changing state`);

    const controller = new AbortController();
    const completion = this.perform(run, fn, options, controller).finally(() => this.active.delete(run.id));
    this.active.set(run.id, { jobKey, controller, completion });
    return { kind: 'started', run, completion };
  }

  /**
   * Marks runs whose heartbeat stopped more than JOB_STALE_AFTER_MS ago as abandoned (their owner died),
   * freeing their jobs. Safe to call from any instance at any time.
   */
  async sweepStale(): Promise<JobRunRecord[]> {
    const abandoned = await this.runs.abandonStale(this.settings.staleAfterMs);
    for (const run of abandoned) {
      this.logger.warn(
        { job: run.jobKey, runId: run.id, owner: run.owner },
        `Job '${run.jobName}' abandoned: ${run.error ?? 'no heartbeat'}`,
      );
    }
    return abandoned;
  }

  /**
   * Refuses new runs, waits up to SHUTDOWN_TIMEOUT_MS for running ones, then aborts what is left; those
   * runs end `abandoned` with `interrupted by shutdown`. Returns once every run of this process has ended.
   */
  async shutdown(timeoutMs = this.settings.shutdownTimeoutMs): Promise<void> {
    this.accepting = false;
    // A run being claimed right now must not slip past the drain below.
    await Promise.allSettled([...this.starting]);
    const running = [...this.active.values()];
    if (running.length === 0) return;
    this.logger.info(
      { runs: this.activeRunIds, timeoutMs },
      `Waiting up to ${timeoutMs} ms for ${running.length} running job(s) to finish`,
    );
    const all = Promise.allSettled(running.map((run) => run.completion));
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      all.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!finished) {
      this.logger.warn({ runs: this.activeRunIds }, 'Shutdown timeout reached: interrupting running jobs');
      for (const run of this.active.values()) run.controller.abort(new JobInterruptedError());
      await all;
    }
  }

  private async perform(
    run: JobRunRecord,
    fn: JobFunction,
    options: ExecuteOptions,
    controller: AbortController,
  ): Promise<RunCompletion> {
    const label = run.jobName;
    const begin = performance.now();
    const timeoutMs = options.timeoutMs ?? 15 * 60 * 1000;
    const baseLogger = this.logger.child({ job: run.jobKey, runId: run.id });
    const progress = new ProgressWriter((value) => this.runs.saveProgress(run.id, this.instanceId, value));
    const timeout = setTimeout(() => controller.abort(new JobTimeoutError(timeoutMs)), timeoutMs);
    const heartbeat = setInterval(() => {
      this.runs.heartbeat(run.id, this.instanceId).then(
        (stillOurs) => {
          if (!stillOurs) controller.abort(new RunAbandonedError(run.id));
        },
        (error: unknown) => baseLogger.warn({ err: error }, `Heartbeat failed: ${describeFailure(error)}`),
      );
    }, this.settings.heartbeatMs);
    heartbeat.unref();

    baseLogger.info({ attempt: 1, trigger: run.trigger, params: run.params }, `Starting job: ${label}`);
    let attempt = 1;
    let metrics: JobMetrics = emptyMetrics();
    let failure: unknown;
    try {
      await this.ensureDependencies(run, options.dependsOn ?? [], controller.signal, baseLogger);
      for (;;) {
        const context = this.createContext(run, attempt, baseLogger, controller.signal, progress);
        const work = fn(context);
        try {
          const returned = await untilAborted(work, controller.signal);
          metrics = normaliseMetrics(returned ?? context.metrics);
          failure = undefined;
          break;
        } catch (error) {
          if (controller.signal.aborted) {
            // Give the job a moment to notice its signal and stop (it checks between batches), so that
            // the run is not recorded as ended — and the job freed — while its work still writes.
            await settledWithin(work, ABORT_GRACE_MS);
          }
          metrics = normaliseMetrics(context.metrics);
          failure = controller.signal.aborted ? (controller.signal.reason as unknown) : error;
          const { retryable, retryAfterMs } = classifyFailure(failure);
          if (controller.signal.aborted || !retryable || attempt >= this.settings.maxAttempts) break;
          const delay = this.backoff(attempt, retryAfterMs);
          context.logger.warn(
            { err: failure, delayMs: delay },
            `Job '${label}' attempt ${attempt} of ${this.settings.maxAttempts} failed: ${describeFailure(failure)}; retrying in ${delay} ms`,
          );
          try {
            await sleep(delay, controller.signal);
          } catch (reason) {
            failure = reason;
            break;
          }
          attempt += 1;
          await this.runs.setAttempt(run.id, this.instanceId, attempt).catch(() => undefined);
        }
      }
    } catch (error) {
      // Only dependency resolution throws here; the attempt loop catches everything else.
      failure = controller.signal.aborted ? (controller.signal.reason as unknown) : error;
    } finally {
      clearTimeout(timeout);
      clearInterval(heartbeat);
      progress.dispose();
    }

    const durationMs = Math.round(performance.now() - begin);
    const error = failure === undefined ? null : describeFailure(failure);
    const status: RunOutcome['status'] =
      failure === undefined ? 'succeeded' : failure instanceof JobInterruptedError ? 'abandoned' : 'failed';
    const logger = baseLogger.child({ attempt });
    const stored = await this.finish(run, {
      status,
      durationMs,
      metrics,
      error,
      progress: progress.latest,
    });
    const result: RunCompletion = stored
      ? toJobResult(stored)
      : {
          ...toJobResult(run),
          status,
          success: status === 'succeeded',
          duration_ms: durationMs,
          completed_at: new Date().toISOString(),
          metrics,
          attempts: attempt,
          ...(error ? { error } : {}),
        };

    if (!result.success && isUpstreamFailure(failure)) {
      (result as { [UPSTREAM_FAILURE]?: true })[UPSTREAM_FAILURE] = true;
    }
    if (result.success) {
      this.succeeded.add(run.jobKey);
      logger.info(
        { status: result.status, metrics: result.metrics },
        `Job '${label}' completed successfully: ${metrics.items_processed} processed, ${metrics.items_created} created, ${metrics.items_updated} updated, ${metrics.items_skipped} skipped`,
      );
    } else {
      logger.error(
        { status: result.status, metrics: result.metrics, err: failure },
        `Job '${label}' failed: ${result.error ?? result.status}`,
      );
    }
    logger.info({ durationMs }, `Job '${label}' execution time: ${durationMs} ms`);
    for (const listener of this.runEndListeners) {
      try {
        listener({ jobKey: run.jobKey, trigger: run.trigger, result });
      } catch (error) {
        logger.warn({ err: error }, `A run-end listener failed: ${describeFailure(error)}`);
      }
    }
    return result;
  }

  private createContext(
    run: JobRunRecord,
    attempt: number,
    baseLogger: Logger,
    signal: AbortSignal,
    progress: ProgressWriter,
  ): JobContext {
    return {
      runId: run.id,
      attempt,
      logger: baseLogger.child({ attempt }),
      signal,
      slot: run.scheduledFor ?? run.startedAt,
      params: { limit: (run.params.limit as number | null | undefined) ?? null },
      metrics: emptyMetrics(),
      progress: (done, total) => progress.report(done, total ?? null),
    };
  }

  /** The outcome is written even if the database hiccups; failing that, the stale sweep will close the run. */
  private async finish(run: JobRunRecord, outcome: RunOutcome): Promise<JobRunRecord | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.runs.finish(run.id, this.instanceId, outcome)) ?? (await this.runs.get(run.id));
      } catch (error) {
        if (attempt >= FINISH_WRITE_ATTEMPTS) {
          this.logger.error(
            { job: run.jobKey, runId: run.id, err: error },
            `Could not record the end of run ${run.id}: ${describeFailure(error)}`,
          );
          return undefined;
        }
        await sleep(this.backoff(attempt), new AbortController().signal);
      }
    }
  }

  private async ensureDependencies(
    run: JobRunRecord,
    dependsOn: readonly string[],
    signal: AbortSignal,
    logger: Logger,
  ): Promise<void> {
    for (const dependency of dependsOn) {
      if (this.succeeded.has(dependency)) continue;
      if (await this.runs.hasSucceeded(dependency)) {
        this.succeeded.add(dependency);
        continue;
      }
      if (!this.registry.has(dependency)) {
        throw new DependencyFailedError(
          dependency,
          'it has never succeeded and is not available in this process',
        );
      }
      logger.info(
        { dependency },
        `Job '${run.jobName}' needs ${dependency}, which has never succeeded: running it first`,
      );
      const outcome = await this.run({ job: dependency, trigger: 'dependency' });
      let result: RunCompletion;
      if (outcome.kind === 'started') result = await untilAborted(outcome.completion, signal);
      else if (outcome.kind === 'already_running') result = await this.waitForRun(outcome.running.id, signal);
      else throw new DependencyFailedError(dependency, `could not be started (${outcome.kind})`);
      if (!result.success) {
        throw new DependencyFailedError(dependency, result.error ?? result.status, isUpstreamResult(result));
      }
    }
  }

  private async waitForRun(runId: string, signal: AbortSignal): Promise<JobResult> {
    for (;;) {
      const current = await this.runs.get(runId);
      if (!current) throw new Error(`run ${runId} disappeared`);
      if (current.status !== 'running') return toJobResult(current);
      await sleep(DEPENDENCY_POLL_MS, signal);
    }
  }

  /** Exponential backoff with full jitter, at least what the error asked for, at most JOB_RETRY_MAX_MS. */
  private backoff(attempt: number, retryAfterMs?: number): number {
    const ceiling = Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** (attempt - 1));
    const jittered = Math.round(Math.random() * ceiling);
    return Math.min(this.settings.retryMaxMs, Math.max(retryAfterMs ?? 0, jittered));
  }
}

/** The wire form of a run. */
export function toJobResult(run: JobRunRecord): JobResult {
  const running = run.status === 'running';
  return {
    success: run.status === 'succeeded',
    job_name: run.jobName,
    duration_ms: run.durationMs ?? (running ? Math.max(0, Date.now() - run.startedAt.getTime()) : 0),
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

function isUpstreamResult(result: RunCompletion): boolean {
  return result[UPSTREAM_FAILURE] === true;
}

function normaliseMetrics(metrics: JobMetrics): JobMetrics {
  const count = (value: number): number => (Number.isFinite(value) && value > 0 ? Math.round(value) : 0);
  return {
    items_processed: count(metrics.items_processed),
    items_created: count(metrics.items_created),
    items_updated: count(metrics.items_updated),
    items_skipped: count(metrics.items_skipped),
    custom: { ...metrics.custom },
  };
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts (the work may go on, unobserved). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
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
async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
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

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Keeps the latest progress and writes it at most once a second (the last report is never lost). */
class ProgressWriter {
  private static readonly INTERVAL_MS = 1000;
  latest: JobProgress | null = null;
  private lastWriteAt = 0;
  private pending: NodeJS.Timeout | undefined;

  constructor(private readonly write: (progress: JobProgress) => Promise<void>) {}

  report(done: number, total: number | null): void {
    this.latest = { done, total, updated_at: new Date().toISOString() };
    if (this.pending || this.lastWriteAt === Number.POSITIVE_INFINITY) return;
    const wait = this.lastWriteAt + ProgressWriter.INTERVAL_MS - Date.now();
    if (wait <= 0) this.flush();
    else {
      this.pending = setTimeout(() => this.flush(), wait);
      this.pending.unref();
    }
  }

  /** The final progress goes out with the run's outcome; no write may follow it. */
  dispose(): void {
    clearTimeout(this.pending);
    this.pending = undefined;
    this.lastWriteAt = Number.POSITIVE_INFINITY;
  }

  private flush(): void {
    this.pending = undefined;
    this.lastWriteAt = Date.now();
    if (this.latest) this.write(this.latest).catch(() => undefined);
  }
}
