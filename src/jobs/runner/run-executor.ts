import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { JobContext, JobFunction } from '../job-context.js';
import { describeFailure } from '../job-errors.js';
import { emptyMetrics, toJobResult, type RunCompletion } from '../job-result.js';
import type { JobTrigger } from '../job-run.entity.js';
import type { JobRunRecord, JobRunsRepository, RunOutcome } from '../job-runs.repository.js';
import { withinRun } from '../run-context.js';
import { backoffMs, runAttempts, type RetryPolicy } from './attempts.js';
import type { DependencyGate } from './dependency-gate.js';
import { endStatus, failureOf } from './failure.js';
import { ProgressWriter } from './progress-writer.js';
import { sleep, supervise } from './supervision.js';

/** The end of a run is written even if the database hiccups; failing that, the stale sweep closes the run. */
const FINISH_WRITE_ATTEMPTS = 3;

/** What a listener hears when a run of this process ends (metrics, alerting). */
export interface RunEndEvent {
  jobKey: string;
  trigger: JobTrigger;
  result: RunCompletion;
}

export interface ExecutorSettings extends RetryPolicy {
  heartbeatMs: number;
}

export interface RunPlan {
  fn: JobFunction;
  timeoutMs: number;
  dependsOn: readonly string[];
  controller: AbortController;
  /** Waits for a JOBS_MAX_CONCURRENT slot when the run is `queued`; resolves with the run as it starts running. */
  admit: (run: JobRunRecord, signal: AbortSignal, logger: Logger) => Promise<JobRunRecord>;
}

type RunWrites = Pick<JobRunsRepository, 'heartbeat' | 'saveProgress' | 'setAttempt' | 'finish' | 'get'>;

/**
 * Carries one claimed run to its end: supervision (timeout, heartbeat, cancel), the dependency gate,
 * attempts with backoff, the final write and the README's log lines. Never rejects.
 */
export class RunExecutor {
  constructor(
    private readonly runs: RunWrites,
    private readonly owner: string,
    private readonly settings: ExecutorSettings,
    private readonly gate: DependencyGate,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly listeners: ReadonlySet<(event: RunEndEvent) => void>,
  ) {}

  async execute(run: JobRunRecord, plan: RunPlan): Promise<RunCompletion> {
    const { controller } = plan;
    const label = run.jobName;
    let begin = this.clock.now().getTime();
    const baseLogger = this.logger.child({ job: run.jobKey, runId: run.id });
    const progress = new ProgressWriter(
      (value, metrics) => this.runs.saveProgress(run.id, this.owner, value, metrics),
      this.clock,
    );
    const supervision = supervise({
      runId: run.id,
      controller,
      timeoutMs: plan.timeoutMs,
      heartbeatMs: this.settings.heartbeatMs,
      heartbeat: () => this.runs.heartbeat(run.id, this.owner),
      logger: baseLogger,
    });

    let outcome: Awaited<ReturnType<typeof runAttempts>>;
    let admitted = false;
    try {
      if (run.status === 'queued') {
        baseLogger.info(
          { trigger: run.trigger, params: run.params },
          `Job '${label}' queued: waiting for a concurrency slot (JOBS_MAX_CONCURRENT)`,
        );
      }
      const current = await plan.admit(run, controller.signal, baseLogger);
      admitted = true;
      // Its time limit and duration count from when it starts running, not from when it was queued.
      begin = this.clock.now().getTime();
      supervision.startTimeout();
      baseLogger.info({ attempt: 1, trigger: run.trigger, params: run.params }, `Starting job: ${label}`);
      await this.gate.pass(current, plan.dependsOn, controller.signal, baseLogger);
      outcome = await runAttempts({
        policy: this.settings,
        signal: controller.signal,
        start: (attempt) => {
          const context = createContext(current, attempt, baseLogger, controller.signal, progress);
          const work = withinRun({ job: run.jobKey, runId: run.id }, () => plan.fn(context));
          return { work, metrics: context.metrics };
        },
        onRetry: (attempt, failure, delayMs) =>
          baseLogger.warn(
            { attempt, err: failure, delayMs },
            `Job '${label}' attempt ${attempt} of ${this.settings.maxAttempts} failed: ${describeFailure(failure)}; retrying in ${delayMs} ms`,
          ),
        // Only shown while the run goes on; the final write carries the count whatever happens here.
        onNextAttempt: (attempt) =>
          this.runs.setAttempt(run.id, this.owner, attempt).catch((error: unknown) => {
            baseLogger.warn(
              { attempt, err: error },
              `Could not record attempt ${attempt}: ${describeFailure(error)}`,
            );
          }),
      });
    } catch (error) {
      // Only the queue and the dependency gate throw here; the attempts catch everything else.
      const reason = controller.signal.aborted ? (controller.signal.reason as unknown) : error;
      outcome = { failed: true, attempts: admitted ? 1 : 0, metrics: emptyMetrics(), error: reason };
    } finally {
      supervision.stop();
      progress.dispose();
    }

    const durationMs = Math.max(0, Math.round(this.clock.now().getTime() - begin));
    const error = outcome.failed ? describeFailure(outcome.error) : null;
    const status = endStatus(outcome.failed ? outcome.error : undefined, outcome.failed);
    const logger = baseLogger.child({ attempt: outcome.attempts });
    const written: RunOutcome = {
      status,
      attempts: outcome.attempts,
      durationMs,
      metrics: outcome.metrics,
      error,
      progress: progress.latest,
    };
    const stored = await this.finish(run, written, logger);
    const wire = stored
      ? toJobResult(stored, this.clock)
      : {
          ...toJobResult(run, this.clock),
          status,
          success: status === 'succeeded',
          duration_ms: durationMs,
          completed_at: this.clock.now().toISOString(),
          metrics: outcome.metrics,
          attempts: outcome.attempts,
          ...(error ? { error } : {}),
        };
    const result: RunCompletion = wire.success
      ? wire
      : {
          ...wire,
          failure: outcome.failed
            ? failureOf(outcome.error)
            : { kind: 'interrupted', message: wire.error ?? wire.status },
        };
    this.report(run, label, result, durationMs, logger, outcome.failed ? outcome.error : undefined);
    return result;
  }

  private report(
    run: JobRunRecord,
    label: string,
    result: RunCompletion,
    durationMs: number,
    logger: Logger,
    failure: unknown,
  ): void {
    const { metrics } = result;
    if (result.success) {
      this.gate.markSucceeded(run.jobKey);
      logger.info(
        { status: result.status, metrics },
        `Job '${label}' completed successfully: ${metrics.items_processed} processed, ${metrics.items_created} created, ${metrics.items_updated} updated, ${metrics.items_skipped} skipped`,
      );
    } else {
      logger.error(
        { status: result.status, metrics, err: failure },
        `Job '${label}' failed: ${result.error ?? result.status}`,
      );
    }
    logger.info({ durationMs }, `Job '${label}' execution time: ${durationMs} ms`);
    for (const listener of this.listeners) {
      try {
        listener({ jobKey: run.jobKey, trigger: run.trigger, result });
      } catch (error) {
        logger.warn({ err: error }, `A run-end listener failed: ${describeFailure(error)}`);
      }
    }
  }

  /** Undefined when the outcome could not be written (the stale sweep will close the run). */
  private async finish(
    run: JobRunRecord,
    outcome: RunOutcome,
    logger: Logger,
  ): Promise<JobRunRecord | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.runs.finish(run.id, this.owner, outcome)) ?? (await this.runs.get(run.id));
      } catch (error) {
        if (attempt >= FINISH_WRITE_ATTEMPTS) {
          logger.error(
            { err: error },
            `Could not record the end of run ${run.id}: ${describeFailure(error)}`,
          );
          return undefined;
        }
        await sleep(backoffMs(this.settings, attempt));
      }
    }
  }
}

function createContext(
  run: JobRunRecord,
  attempt: number,
  baseLogger: Logger,
  signal: AbortSignal,
  progress: ProgressWriter,
): JobContext {
  // The writer reads this attempt's counts with each progress write, so a running run shows them.
  const metrics = emptyMetrics();
  return {
    runId: run.id,
    attempt,
    logger: baseLogger.child({ attempt }),
    signal,
    slot: run.scheduledFor ?? run.startedAt,
    params: { limit: (run.params.limit as number | null | undefined) ?? null },
    metrics,
    progress: (done, total) => progress.report(done, total ?? null, metrics),
  };
}
