import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { COLUMNS, toRecord, type JobRunRecord, type Row } from '../job-run-record.js';

/**
 * The JOBS_MAX_CONCURRENT slots, counted in `job_runs`: the one statement that starts a `queued` run. It is
 * apart from JobRunsRepository because its rules (the cap, first in first out, the dependency exemption)
 * are the queue's; the claim that records a run `queued` stays with the other claims there.
 */
@Injectable()
export class ConcurrencySlotsRepository {
  constructor(private readonly orm: MikroORM) {}

  /**
   * Starts a queued run of this owner when the cluster has room under `maxConcurrent`: the running runs
   * plus the queued runs ahead of it (first in, first out by `queued_at`) leave a slot. Promotions are
   * serialised by a transaction-scoped advisory lock, so two replicas never fill the same slot. `started_at` is
   * the statement's clock, not `now()`: that is when the transaction began, before it waited for the lock and so
   * possibly before the run whose end freed the slot had completed.
   *
   * A run may start past the limit when its job has never succeeded and a run of one of its `dependents` is
   * running. That run's dependency gate waits for this one, which would wait for a slot the dependent holds, so
   * this one runs in the dependent's slot, as a dependency the gate starts itself does. (A dependent whose
   * replica died counts until the stale sweep ends it; that only starts this run early.)
   */
  async promote(
    id: string,
    owner: string,
    maxConcurrent: number,
    dependents: readonly string[] = [],
  ): Promise<JobRunRecord | undefined> {
    const connection = this.orm.em.getConnection();
    return connection.transactional(async (trx) => {
      await connection.execute(
        `select pg_advisory_xact_lock(hashtext('job_runs.concurrency'))`,
        [],
        'all',
        trx,
      );
      const rows = await connection.execute<Row[]>(
        `update job_runs r set status = 'running', started_at = date_trunc('milliseconds', clock_timestamp()),
                              heartbeat_at = now()
          where r.id = ? and r.owner = ? and r.status = 'queued' and r.cancel_requested_at is null
            and ((select count(*) from job_runs where status = 'running')
                   + (select count(*) from job_runs q
                       where q.status = 'queued' and q.cancel_requested_at is null
                         and (q.queued_at, q.id) < (r.queued_at, r.id)) < ?
                 or (exists (select 1 from job_runs d
                              where d.status = 'running'
                                and d.job_key in (select jsonb_array_elements_text(?::jsonb)))
                     and not exists (select 1 from job_runs s where s.job_key = r.job_key and s.status = 'succeeded')))
          returning ${COLUMNS}`,
        [id, owner, maxConcurrent, JSON.stringify(dependents)],
        'all',
        trx,
      );
      return rows[0] ? toRecord(rows[0]) : undefined;
    });
  }
}
