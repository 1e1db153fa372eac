import type { Logger } from 'pino';
import type { JobRunRecord, JobRunsRepository, NewRun } from '../job-runs.repository.js';

/** A failed claim is followed by lookups whose answer can change under us; this many rounds settle it. */
export const CLAIM_ROUNDS = 5;

export type ClaimOutcome =
  /** This instance owns the run now. */
  | { kind: 'claimed'; run: JobRunRecord }
  /** A run without a slot was refused: the job is running (here or on another replica). */
  | { kind: 'already_running'; running: JobRunRecord }
  /** The cron slot already has a run (another replica claimed it, or it ran before). */
  | { kind: 'slot_taken'; existing: JobRunRecord }
  /** The slot found the job busy; a `skipped` run records why. */
  | { kind: 'skipped'; skipped: JobRunRecord; running: JobRunRecord | undefined };

type ClaimQueries = Pick<
  JobRunsRepository,
  'claim' | 'findBySlot' | 'reclaimAbandoned' | 'findRunning' | 'recordSkipped' | 'abandonStale'
>;

/**
 * Claims runs in `job_runs`, where replicas meet: one run per `(job, slot)`, one running run per job.
 * A lost claim is explained by lookups — the slot's run, the job's running run — and a run whose owner
 * died is swept (marked abandoned) so the next round can win.
 */
export class RunClaimer {
  constructor(
    private readonly runs: ClaimQueries,
    private readonly logger: Logger,
    private readonly staleAfterMs: number,
  ) {}

  /** `reclaimAbandoned`: when the slot's run was abandoned (its owner died mid-run), take it over. */
  async claim(request: NewRun, reclaimAbandoned: boolean): Promise<ClaimOutcome> {
    const { jobKey, slot } = request;
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      const run = await this.runs.claim(request);
      if (run) return { kind: 'claimed', run };
      if (slot) {
        const existing = await this.runs.findBySlot(jobKey, slot);
        if (existing?.status === 'abandoned' && reclaimAbandoned) {
          const reclaimed = await this.runs.reclaimAbandoned(existing.id, request);
          if (reclaimed) {
            this.logger.info(
              { job: jobKey, runId: reclaimed.id, slot: slot.toISOString(), previousOwner: existing.owner },
              `Re-running slot ${slot.toISOString()} of ${jobKey}: its run was abandoned (${existing.error ?? 'no reason'})`,
            );
            return { kind: 'claimed', run: reclaimed };
          }
        }
        if (existing) return { kind: 'slot_taken', existing };
      }
      const running = await this.runs.findRunning(jobKey);
      // If its owner died, the stale sweep frees the job and the next round's claim may win.
      if (running && (await this.sweepStale()).some((stale) => stale.id === running.id)) continue;
      if (!slot) {
        if (running) return { kind: 'already_running', running };
        continue; // it ended between the claim and the lookup: claim again
      }
      // The job was busy when the slot fired (even if that run has ended since): the slot is skipped.
      const detail = running ? ` (run ${running.id}, owner ${running.owner})` : '';
      const reason = `skipped: ${jobKey} was already running${detail}`;
      const skipped = await this.runs.recordSkipped(request, reason);
      if (skipped) {
        this.logger.info(
          { job: jobKey, runId: skipped.id, slot: slot.toISOString() },
          `Job '${request.jobName}' ${reason}`,
        );
        return { kind: 'skipped', skipped, running };
      }
    }
    throw new Error(`could not claim a run of ${jobKey}: the job kept changing state`);
  }

  /**
   * Marks runs whose heartbeat stopped more than JOB_STALE_AFTER_MS ago as abandoned (their owner died),
   * freeing their jobs. Safe to call from any instance at any time.
   */
  async sweepStale(): Promise<JobRunRecord[]> {
    const abandoned = await this.runs.abandonStale(this.staleAfterMs);
    for (const run of abandoned) {
      this.logger.warn(
        { job: run.jobKey, runId: run.id, owner: run.owner },
        `Job '${run.jobName}' abandoned: ${run.error ?? 'no heartbeat'}`,
      );
    }
    return abandoned;
  }
}
