import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { sql } from 'kysely';
import { RATE_LIMIT_MARGIN_MS } from '../../coingecko/coingecko.module.js';
import type { LowPriority } from '../../coingecko/limiter/call-priority.js';
import type { AppConfig } from '../../config/app-config.js';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import { nextFire, previousFire } from '../../jobs/cron-slots.js';
import { JobSchedulerService, type ScheduledJobView } from '../../jobs/job-scheduler.service.js';
import { PRICE_HISTORY_BACKFILL_JOB } from './price-history-backfill.job.js';

/** The limiter's window (CoinGecko's minute plus its margin): a call older than this no longer delays anyone. */
export const LIMITER_WINDOW_MS = 60_000 + RATE_LIMIT_MARGIN_MS;
/** How often a waiting backfill looks again while another CoinGecko job is queued or running. */
export const YIELD_POLL_MS = 2000;
/**
 * How long a run may sit `queued` before it counts as kept out: with JOBS_MAX_CONCURRENT set every run is
 * written `queued` and promoted a moment later, and ending the backfill on that moment would end it for nothing.
 */
export const QUEUED_BLOCKED_AFTER_MS = 5000;

/** Nest token: how the backfill waits (ms, signal); tests inject their own time. */
export const SCHEDULE_YIELD_WAIT = Symbol('SCHEDULE_YIELD_WAIT');
export type YieldWait = (ms: number, signal?: AbortSignal) => Promise<void>;

export type YieldDecision =
  | { go: true; priority: LowPriority }
  | { go: false; stop?: false; waitMs: number; reason: string }
  /** Another job waits for a concurrency slot (JOBS_MAX_CONCURRENT) this run may hold: waiting would keep it out. */
  | { go: false; stop: true; reason: string };

interface ActiveRun {
  job_key: string;
  status: string;
  /** Queued and really kept out: queued past QUEUED_BLOCKED_AFTER_MS, or the running runs fill the cap. */
  blocked: boolean;
}

/**
 * When the backfill may take a CoinGecko slot without delaying another job's calls (docs/decisions.md, "The
 * backfill yields to the other jobs' CoinGecko calls"). Another job that calls CoinGecko (its estimate is
 * above 0) goes first while it is running, from one limiter window before each of its scheduled slots, and
 * after a slot until that slot's run has finished (or a window has passed with no run for it). A queued one
 * that is really kept out (queued past QUEUED_BLOCKED_AFTER_MS, or the running runs fill JOBS_MAX_CONCURRENT,
 * a slot this run may hold) ends the run at once; one about to be promoted is waited for. Otherwise the backfill
 * calls at low priority: its slot must start a window before the next scheduled slot and no other CoinGecko
 * job may be queued or running, both checked again by the limiter's statement, so a replica deciding at the
 * same instant cannot slip a call in ahead of another job.
 */
@Injectable()
export class ScheduleYield {
  private readonly jobs: AppConfig['jobs']['byKey'];
  private readonly maxConcurrent: number | null;

  constructor(
    private readonly scheduler: JobSchedulerService,
    private readonly orm: MikroORM,
    config: ConfigService<AppConfig, true>,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {
    const jobs = config.get('jobs', { infer: true });
    this.jobs = jobs.byKey;
    this.maxConcurrent = jobs.maxConcurrent;
  }

  async decide(): Promise<YieldDecision> {
    const now = this.clock.now();
    const others = (await this.scheduler.describe()).filter(
      (job) => job.key !== PRICE_HISTORY_BACKFILL_JOB.key && this.callsCoinGecko(job),
    );
    const keys = others.map((job) => job.key);
    if (keys.length === 0) return { go: true, priority: {} };
    const active = await this.activeJob(keys);
    if (active?.blocked) {
      return { go: false, stop: true, reason: `${active.job_key} is queued for a concurrency slot` };
    }
    if (active) return { go: false, waitMs: YIELD_POLL_MS, reason: `${active.job_key} is ${active.status}` };

    let next: { key: string; at: Date } | undefined;
    for (const job of others.filter((view) => view.enabled)) {
      const previous = previousFire(job.schedule, now);
      if (now.getTime() - previous.getTime() < LIMITER_WINDOW_MS && !(await this.ended(job.key, previous))) {
        return {
          go: false,
          waitMs: YIELD_POLL_MS,
          reason: `${job.key}'s slot at ${previous.toISOString()} has not run yet`,
        };
      }
      const at = nextFire(job.schedule, now);
      if (!next || at < next.at) next = { key: job.key, at };
    }
    if (next && next.at.getTime() - now.getTime() <= LIMITER_WINDOW_MS) {
      return {
        go: false,
        waitMs: Math.max(1, next.at.getTime() - now.getTime()),
        reason: `${next.key} is due at ${next.at.toISOString()}`,
      };
    }
    return {
      go: true,
      priority: { yieldTo: keys, ...(next && { notAfter: next.at.getTime() - LIMITER_WINDOW_MS }) },
    };
  }

  /** A job whose runs may call CoinGecko: its definition's estimate at its configured limit is above 0. */
  private callsCoinGecko(job: ScheduledJobView): boolean {
    const settings = this.jobs[job.key];
    const limit = settings ? settings.limit : (job.definition.limit?.default ?? null);
    return job.definition.estimateCalls({ limit }, settings?.settings ?? {}) > 0;
  }

  /**
   * A blocked queued run first: it is the one this run may be keeping out. `queued_at` is stamped by the
   * database's clock, so its age is measured by that clock too (the job clock may be injected).
   */
  private async activeJob(keys: string[]): Promise<ActiveRun | undefined> {
    const cap = this.maxConcurrent;
    const { rows } = await sql<ActiveRun>`
      select job_key, status,
             status = 'queued' and (
               queued_at < now() - make_interval(secs => ${QUEUED_BLOCKED_AFTER_MS / 1000})
               or (${cap}::int is not null
                   and (select count(*) from job_runs where status = 'running') >= ${cap}::int)
             ) as blocked
        from job_runs where job_key = any(${keys}::text[]) and status in ('queued', 'running')
       order by blocked desc, status = 'queued' desc limit 1`.execute(
      this.orm.em.fork().getKysely<unknown>(),
    );
    return rows[0];
  }

  private async ended(job: string, slot: Date): Promise<boolean> {
    const { rows } = await sql<{ one: number }>`
      select 1 as one from job_runs
      where job_key = ${job} and scheduled_for = ${slot.toISOString()}::timestamptz and status not in ('queued', 'running')`.execute(
      this.orm.em.fork().getKysely<unknown>(),
    );
    return rows.length > 0;
  }
}
