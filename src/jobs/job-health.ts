import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { toDateOrNull } from '../database/pg-values.js';
import { JOB_CLOCK, type Clock } from './clock.js';
import { nextFire } from './cron-slots.js';

/**
 * `healthy`: the last finished run succeeded and a success is recent enough; `late`: enabled, and no success
 * within 2× the schedule's interval; `failing`: runs failed since the last success (`consecutive_failures`);
 * `unknown`: nothing to judge by yet (never succeeded, never failed).
 */
export const JOB_HEALTH_STATES = ['healthy', 'late', 'failing', 'unknown'] as const;
export type JobHealthState = (typeof JOB_HEALTH_STATES)[number];

export interface JobHealthView {
  state: JobHealthState;
  /** Runs that ended `failed` since the last success (the alerts count the same way). */
  consecutive_failures: number;
  last_success_at: string | null;
  /** Start of the first of those failed runs. */
  failing_since: string | null;
  /** When the job turns (or turned) `late` without a new success; null when it cannot (disabled, never succeeded). */
  late_after: string | null;
}

/** What the database knows about one job's recent outcomes. */
export interface JobHealthFacts {
  lastSuccessAt: Date | null;
  consecutiveFailures: number;
  failingSince: Date | null;
}

export const NO_FACTS: JobHealthFacts = { lastSuccessAt: null, consecutiveFailures: 0, failingSince: null };

/**
 * The time between two fires of the schedule, measured at `now`: "2× its interval" for a cron expression.
 * Irregular schedules (`0 0 9,17 * * *`) take the gap that follows the next fire, which is what an
 * operator waits for next.
 */
export function scheduleIntervalMs(schedule: string, now: Date): number {
  const next = nextFire(schedule, now);
  return nextFire(schedule, next).getTime() - next.getTime();
}

/** Pure: the health of one job from its facts, its schedule and the time. */
export function assessHealth(
  facts: JobHealthFacts,
  job: { schedule: string; enabled: boolean },
  now: Date,
): JobHealthView {
  const lateAfter =
    job.enabled && facts.lastSuccessAt
      ? new Date(facts.lastSuccessAt.getTime() + 2 * scheduleIntervalMs(job.schedule, now))
      : null;
  let state: JobHealthState;
  if (facts.consecutiveFailures > 0) state = 'failing';
  else if (!facts.lastSuccessAt) state = 'unknown';
  else if (lateAfter && now.getTime() > lateAfter.getTime()) state = 'late';
  else state = 'healthy';
  return {
    state,
    consecutive_failures: facts.consecutiveFailures,
    last_success_at: facts.lastSuccessAt?.toISOString() ?? null,
    failing_since: facts.failingSince?.toISOString() ?? null,
    late_after: lateAfter?.toISOString() ?? null,
  };
}

/**
 * Reads the facts behind each job's health in one statement: per job, its last success is one step on the
 * partial index of successes, and the failures after it are a range of the `(job_key, status, started_at)` index — so the
 * cost grows with the failure streak, never with the history.
 */
@Injectable()
export class JobHealthService {
  constructor(
    private readonly orm: MikroORM,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {}

  private db(): Kysely<unknown> {
    return this.orm.em.fork().getKysely<unknown>();
  }

  async facts(jobKeys: readonly string[]): Promise<Map<string, JobHealthFacts>> {
    if (jobKeys.length === 0) return new Map();
    const { rows } = await sql<{
      job_key: string;
      success_at: unknown;
      failures: number | string | null;
      failing_since: unknown;
    }>`
      select j.job_key, s.completed_at as success_at, f.failures, f.failing_since
        from unnest(${[...jobKeys]}::text[]) as j(job_key)
        left join lateral (
          select started_at, completed_at from job_runs r
           where r.job_key = j.job_key and r.status = 'succeeded'
           order by r.job_key, r.completed_at desc limit 1) s on true
        left join lateral (
          select count(*)::int as failures, min(started_at) as failing_since from job_runs r
           where r.job_key = j.job_key and r.status = 'failed'
             and r.started_at > coalesce(s.started_at, '-infinity'::timestamptz)) f on true`.execute(
      this.db(),
    );
    return new Map(
      rows.map((row) => [
        row.job_key,
        {
          lastSuccessAt: toDateOrNull(row.success_at),
          consecutiveFailures: Number(row.failures ?? 0),
          failingSince: toDateOrNull(row.failing_since),
        },
      ]),
    );
  }

  /** Health of each job, keyed by job key (`GET /jobs`). */
  async assess(
    jobs: readonly { key: string; schedule: string; enabled: boolean }[],
  ): Promise<Map<string, JobHealthView>> {
    const facts = await this.facts(jobs.map((job) => job.key));
    const now = this.clock.now();
    return new Map(jobs.map((job) => [job.key, assessHealth(facts.get(job.key) ?? NO_FACTS, job, now)]));
  }
}
