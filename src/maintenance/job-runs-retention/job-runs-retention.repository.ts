import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';

/** At most this many rows per delete statement: each batch commits alone, so no lock is held for long. */
export const RETENTION_BATCH_SIZE = 5000;

/** The one statement of the retention job. */
@Injectable()
export class JobRunsRetentionRepository {
  constructor(private readonly orm: MikroORM) {}

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
      select count(*)::int as deleted from deleted`.execute(this.orm.em.fork().getKysely<unknown>());
    return rows[0]?.deleted ?? 0;
  }
}
