import type { Logger } from 'pino';
import { DependencyFailedError } from '../job-errors.js';
import { toJobResult, type JobResult, type RunCompletion } from '../job-result.js';
import type { JobRunRecord, JobRunsRepository } from '../job-runs.repository.js';
import type { Clock } from '../clock.js';
import { sleep, untilAborted } from './supervision.js';

/** How often a run waiting for a dependency that runs elsewhere looks at it again. */
export const DEPENDENCY_POLL_MS = 500;

/** How the gate starts a dependency: the runner's own `run`, with trigger `dependency`. */
export type StartDependency = (
  job: string,
) => Promise<
  | { kind: 'started'; completion: Promise<RunCompletion> }
  | { kind: 'already_running'; running: JobRunRecord }
  | { kind: string }
>;

/**
 * Holds a run until each job it depends on has succeeded once (anywhere, ever): a dependency that never
 * has is run first, or waited for when it runs elsewhere. Success is permanent, so a dependency is looked
 * up in the database only until it has been seen to succeed.
 */
export class DependencyGate {
  private readonly succeeded = new Set<string>();

  constructor(
    private readonly runs: Pick<JobRunsRepository, 'hasSucceeded' | 'get'>,
    private readonly isRegistered: (job: string) => boolean,
    private readonly startDependency: StartDependency,
    private readonly clock: Clock,
  ) {}

  /** Remembers a success seen in this process (the runner tells the gate about every run that succeeds). */
  markSucceeded(job: string): void {
    this.succeeded.add(job);
  }

  /** Resolves when every dependency has succeeded; rejects with DependencyFailedError (or the signal's reason). */
  async pass(
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
      if (!this.isRegistered(dependency)) {
        throw new DependencyFailedError(
          dependency,
          'it has never succeeded and is not available in this process',
        );
      }
      logger.info(
        { dependency },
        `Job '${run.jobName}' needs ${dependency}, which has never succeeded: running it first`,
      );
      const outcome = await this.startDependency(dependency);
      let result: RunCompletion;
      if ('completion' in outcome) result = await untilAborted(outcome.completion, signal);
      else if ('running' in outcome) result = await this.waitFor(outcome.running.id, signal);
      else throw new DependencyFailedError(dependency, `could not be started (${outcome.kind})`);
      if (!result.success) {
        throw new DependencyFailedError(
          dependency,
          result.error ?? result.status,
          result.failure?.kind === 'upstream',
        );
      }
      this.succeeded.add(dependency);
    }
  }

  private async waitFor(runId: string, signal: AbortSignal): Promise<JobResult> {
    for (;;) {
      const current = await this.runs.get(runId);
      if (!current) throw new Error(`run ${runId} disappeared`);
      if (current.status !== 'running' && current.status !== 'queued')
        return toJobResult(current, this.clock);
      await sleep(DEPENDENCY_POLL_MS, signal);
    }
  }
}
