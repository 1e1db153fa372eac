import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { JobSettings } from '../config/app-config.js';
import { JOB_CLOCK, type Clock } from './clock.js';
import type { JobDefinition } from './job-definition.js';
import {
  JobAlreadyRunningError,
  JobCancelledError,
  JobInterruptedError,
  JobsShuttingDownError,
} from './job-errors.js';
import { JobRegistry } from './job-registry.js';
import { toJobResult, type RunCompletion } from './job-result.js';
import { JobRunsRepository, type JobRunRecord } from './job-runs.repository.js';
import { RunClaimer } from './runner/claiming.js';
import { ConcurrencyQueue } from './runner/concurrency-queue.js';
import { ConcurrencySlotsRepository } from './runner/concurrency-slots.repository.js';
import { DependencyGate } from './runner/dependency-gate.js';
import { RunExecutor, type RunEndEvent } from './runner/run-executor.js';
import type { CancelOutcome, RunOptions, StartOutcome } from './runner/run-options.js';
import { resolveRun, type ResolvedRun } from './runner/run-request.js';

export type { RunEndEvent } from './runner/run-executor.js';
export type {
  AdHocRunOptions,
  CancelOutcome,
  RegisteredRunOptions,
  RunOptions,
  StartOutcome,
} from './runner/run-options.js';
export { toJobResult, withoutFailure } from './job-result.js';

/** The runner's knobs, from the environment (JOB_*, SHUTDOWN_TIMEOUT_MS, `<PREFIX>_TIMEOUT_MS`, `<PREFIX>_LIMIT`). */
export interface JobRunnerSettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  heartbeatMs: number;
  staleAfterMs: number;
  shutdownTimeoutMs: number;
  /** JOBS_MAX_CONCURRENT: runs executing at once across the cluster; unset or null = no cap. */
  maxConcurrent?: number | null;
  /** JOB_QUEUE_TIMEOUT_MS (default 15 minutes). */
  queueTimeoutMs?: number;
  byKey: Record<string, JobSettings>;
}

export const JOB_RUNNER_SETTINGS = Symbol('JOB_RUNNER_SETTINGS');
export const DEFAULT_QUEUE_TIMEOUT_MS = 15 * 60 * 1000;
/** The root pino logger; each run logs through a child carrying `job`, `runId` and `attempt`. */
export const JOBS_LOGGER = Symbol('JOBS_LOGGER');

interface ActiveRun {
  jobKey: string;
  controller: AbortController;
  completion: Promise<RunCompletion>;
}

/**
 * Runs every job — scheduled, manual, catch-up, dependency, CLI or ad hoc — with the same timing, logs,
 * metrics, persisted run history, retries, timeout, cancel and shutdown behaviour; no job times, logs,
 * retries or records itself. This class keeps the runs of this process and shutdown; claiming,
 * supervision, attempts and dependencies live in `runner/`. State replicas must agree on is in `job_runs`.
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
  private readonly claimer: RunClaimer;
  private readonly executor: RunExecutor;
  /** Only with JOBS_MAX_CONCURRENT set. */
  private readonly queue: ConcurrencyQueue | undefined;
  private tickHandler: ((definition: JobDefinition) => Promise<void>) | undefined;

  constructor(
    private readonly runs: JobRunsRepository,
    slots: ConcurrencySlotsRepository,
    private readonly registry: JobRegistry,
    @Inject(JOB_RUNNER_SETTINGS) private readonly settings: JobRunnerSettings,
    @Inject(JOBS_LOGGER) private readonly logger: Logger,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {
    this.claimer = new RunClaimer(runs, logger, settings.staleAfterMs);
    const gate = new DependencyGate(
      runs,
      (job) => registry.has(job),
      (job) => this.run({ job, trigger: 'dependency' }),
      clock,
    );
    this.queue = settings.maxConcurrent
      ? new ConcurrencyQueue(
          slots,
          this.instanceId,
          {
            maxConcurrent: settings.maxConcurrent,
            queueTimeoutMs: settings.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS,
          },
          clock,
          (job) =>
            registry
              .all()
              .filter((handler) => handler.definition.dependsOn.includes(job))
              .map((handler) => handler.definition.key),
        )
      : undefined;
    this.executor = new RunExecutor(
      runs,
      this.instanceId,
      settings,
      gate,
      clock,
      logger,
      this.runEndListeners,
    );
  }

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

  /** The job key of each run executing on this instance (one entry per run; queued runs aside). */
  get activeJobKeys(): string[] {
    const queued = this.queue?.waiting;
    return [...this.active.entries()].filter(([id]) => !queued?.has(id)).map(([, run]) => run.jobKey);
  }

  /** The job key of each run of this instance waiting for a JOBS_MAX_CONCURRENT slot. */
  get queuedJobKeys(): string[] {
    return [...(this.queue?.waiting.values() ?? [])];
  }

  /** What a job's `@Cron` tick calls; the scheduler places the tick on its slot. */
  tick(definition: JobDefinition): Promise<void> {
    return this.tickHandler ? this.tickHandler(definition) : Promise.resolve();
  }

  /** The scheduler takes the ticks (it depends on the runner, so it hands itself over instead of being injected). */
  handleTicks(handler: (definition: JobDefinition) => Promise<void>): void {
    this.tickHandler = handler;
  }

  /**
   * Claims the run in the database and starts it without waiting (see StartOutcome). Either a registered
   * job (`{ job, trigger, params, slot, reclaimAbandoned }`) or an ad-hoc function (`{ name, fn, … }`).
   * Throws JobsShuttingDownError once shutdown has begun.
   */
  async run(options: RunOptions): Promise<StartOutcome> {
    if (!this.accepting) throw new JobsShuttingDownError();
    const starting = this.claimAndStart(this.resolve(options));
    this.starting.add(starting);
    try {
      return await starting;
    } finally {
      this.starting.delete(starting);
    }
  }

  /**
   * Runs and waits for the result. Throws JobAlreadyRunningError when the job is running elsewhere;
   * returns the slot's existing or skipped run when a cron slot was not ours.
   */
  async execute(options: RunOptions): Promise<RunCompletion> {
    const outcome = await this.run(options);
    switch (outcome.kind) {
      case 'started':
        return outcome.completion;
      case 'already_running':
        throw new JobAlreadyRunningError(toJobResult(outcome.running, this.clock));
      case 'slot_taken':
        return toJobResult(outcome.existing, this.clock);
      case 'skipped':
        return toJobResult(outcome.skipped, this.clock);
    }
  }

  /**
   * Asks a running run to stop, from any replica: the request is recorded on the run and its owner's
   * heartbeat aborts the signal (at once when the run is ours). The run ends `cancelled`.
   */
  async cancel(runId: string, by: string): Promise<CancelOutcome> {
    const run = await this.runs.requestCancel(runId, by);
    if (!run) {
      const current = await this.runs.get(runId);
      return current ? { kind: 'not_cancellable', run: current } : { kind: 'not_found' };
    }
    this.active.get(runId)?.controller.abort(new JobCancelledError(run.cancelledBy ?? by));
    this.logger.info(
      { job: run.jobKey, runId, by },
      `Cancel of run ${runId} (${run.jobName}) requested by ${by}`,
    );
    return { kind: 'requested', run };
  }

  /** Marks runs whose owner stopped heartbeating as abandoned, freeing their jobs (any instance, any time). */
  sweepStale(): Promise<JobRunRecord[]> {
    return this.claimer.sweepStale();
  }

  /**
   * Refuses new runs, waits up to SHUTDOWN_TIMEOUT_MS for running ones, then aborts what is left; those
   * runs end `abandoned` with `interrupted by shutdown`. Returns once every run of this process has ended.
   */
  async shutdown(timeoutMs = this.settings.shutdownTimeoutMs): Promise<void> {
    this.accepting = false;
    // A run being claimed right now must not slip past the drain below.
    await Promise.allSettled([...this.starting]);
    // Queued runs of this replica give their place up at once: `abandoned`, so catch-up may take them over.
    for (const id of this.queue?.waiting.keys() ?? [])
      this.active.get(id)?.controller.abort(new JobInterruptedError());
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

  private resolve(options: RunOptions): ResolvedRun {
    return resolveRun(options, {
      registry: this.registry,
      byKey: this.settings.byKey,
      owner: this.instanceId,
      queueing: this.queue !== undefined,
    });
  }

  private async claimAndStart(resolved: ResolvedRun): Promise<StartOutcome> {
    const claimed = await this.claimer.claim(resolved.request, resolved.reclaimAbandoned);
    if (claimed.kind !== 'claimed') return claimed;
    const { run } = claimed;
    const controller = new AbortController();
    const completion = this.executor
      .execute(run, {
        fn: resolved.fn,
        timeoutMs: resolved.timeoutMs,
        dependsOn: resolved.dependsOn,
        controller,
        admit: (queued, signal, logger) =>
          this.queue ? this.queue.admit(queued, signal, logger) : Promise.resolve(queued),
      })
      .finally(() => {
        this.active.delete(run.id);
        this.queue?.wake();
      });
    this.active.set(run.id, { jobKey: run.jobKey, controller, completion });
    return { kind: 'started', run, completion };
  }
}
