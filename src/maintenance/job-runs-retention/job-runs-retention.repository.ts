import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { TRIGGER_THROTTLE_WINDOW_MS, TRIGGER_THROTTLER } from '../../auth/trigger-throttle.interceptor.js';

/** At most this many rows per delete statement: each batch commits alone, so no lock is held for long. */
export const RETENTION_BATCH_SIZE = 5000;

const DAY_MS = 86_400_000;

/** The delete statements of the retention job, one batch each. */
@Injectable()
export class JobRunsRetentionRepository {
  constructor(private readonly orm: MikroORM) {}

  private db(): Kysely<unknown> {
    return this.orm.em.fork().getKysely<unknown>();
  }

  /**
   * Deletes up to `batchSize` finished runs that ended more than `days` days ago (database clock), oldest
   * first; returns how many it deleted. Never a running or queued run, and never the latest success of a
   * job (dependencies and the "last success" metric need it): a success goes only when a later success of
   * the same job exists. Rows another statement has locked are skipped, not waited for.
   */
  async deleteBatch(options: { days: number; batchSize?: number }): Promise<number> {
    const limit = Math.min(options.batchSize ?? RETENTION_BATCH_SIZE, RETENTION_BATCH_SIZE);
    const { rows } = await sql<{ deleted: number }>`
      with cutoff as (select now() - make_interval(days => ${options.days}::int) as at),
      doomed as (
        select r.id from job_runs r, cutoff
         where r.status not in ('running', 'queued')
           and r.started_at < cutoff.at
           and coalesce(r.completed_at, r.started_at) < cutoff.at
           and (r.status <> 'succeeded' or exists (
                 select 1 from job_runs s
                  where s.job_key = r.job_key and s.status = 'succeeded'
                    and s.completed_at >= r.completed_at and (s.completed_at, s.id) > (r.completed_at, r.id)))
         order by r.started_at, r.id
         limit ${limit}
         for update of r skip locked
      ),
      deleted as (delete from job_runs r using doomed d where r.id = d.id returning 1)
      select count(*)::int as deleted from deleted`.execute(this.db());
    return rows[0]?.deleted ?? 0;
  }

  /**
   * Deletes up to `batchSize` alerts created more than `days` days ago, except every alert of each job's
   * latest episode (the episode of its newest alert). The alerting reads that episode's rows: its unique
   * key stops a second `job_failing`/`job_overdue` for an outage that is still going on, and a
   * `job_recovered` is only claimed when one of them exists. Older episodes are over and never read again.
   */
  async deleteAlertsBatch(options: { days: number; batchSize?: number }): Promise<number> {
    const limit = Math.min(options.batchSize ?? RETENTION_BATCH_SIZE, RETENTION_BATCH_SIZE);
    const { rows } = await sql<{ deleted: number }>`
      with cutoff as (select now() - make_interval(days => ${options.days}::int) as at),
      latest as (
        select distinct on (job_key) job_key, episode from job_alerts order by job_key, created_at desc, id desc
      ),
      doomed as (
        select a.id from job_alerts a, cutoff
         where a.created_at < cutoff.at
           and not exists (select 1 from latest l where l.job_key = a.job_key and l.episode = a.episode)
         order by a.created_at, a.id
         limit ${limit}
         for update of a skip locked
      ),
      deleted as (delete from job_alerts a using doomed d where a.id = d.id returning 1)
      select count(*)::int as deleted from deleted`.execute(this.db());
    return rows[0]?.deleted ?? 0;
  }

  /**
   * Deletes up to `batchSize` rows of the trigger throttle (`trigger:<token>`) whose window ended more
   * than a day ago (database clock): the newest admission plus the minute is older than a day. Such a row
   * admits the next trigger exactly as a missing row does. Only throttle rows, and only ones that carry no
   * month total or Retry-After hold: the CoinGecko limiter's row (its window, hold and the month's calls
   * the budget is checked against) is never touched, whatever its key.
   */
  async deleteWindowsBatch(options: { batchSize?: number } = {}): Promise<number> {
    const limit = Math.min(options.batchSize ?? RETENTION_BATCH_SIZE, RETENTION_BATCH_SIZE);
    const prefix = `${TRIGGER_THROTTLER}:`;
    const { rows } = await sql<{ deleted: number }>`
      with cutoff as (
        select floor(extract(epoch from clock_timestamp()) * 1000)::bigint - ${DAY_MS}::bigint as ms
      ),
      doomed as (
        select w.key from rate_limit_windows w, cutoff
         where left(w.key, ${prefix.length}::int) = ${prefix}
           and w.month is null and w.month_calls = 0 and w.held_until is null
           and coalesce(w.starts[cardinality(w.starts)], 0) + ${TRIGGER_THROTTLE_WINDOW_MS}::bigint < cutoff.ms
           and w.updated_at < now() - interval '1 day'
         order by w.key
         limit ${limit}
         for update of w skip locked
      ),
      deleted as (delete from rate_limit_windows w using doomed d where w.key = d.key returning 1)
      select count(*)::int as deleted from deleted`.execute(this.db());
    return rows[0]?.deleted ?? 0;
  }
}
