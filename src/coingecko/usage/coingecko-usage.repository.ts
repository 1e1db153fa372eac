import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';

export interface MonthCalls {
  job: string;
  endpoint: string;
  calls: number;
}

/** The reads over `coingecko_calls`, `coingecko_run_calls` and the limiter's month total. */
@Injectable()
export class CoinGeckoUsageRepository {
  constructor(private readonly orm: MikroORM) {}

  private db(): Kysely<unknown> {
    return this.orm.em.fork().getKysely<unknown>();
  }

  /** This month's calls by job and endpoint (a few dozen rows at most). */
  async monthCalls(month: string): Promise<MonthCalls[]> {
    const { rows } = await sql<{ job_key: string; endpoint: string; calls: string }>`
      select job_key, endpoint, calls from coingecko_calls
      where month = ${`${month}-01`}::date and calls > 0
      order by job_key, endpoint`.execute(this.db());
    return rows.map((row) => ({ job: row.job_key, endpoint: row.endpoint, calls: Number(row.calls) }));
  }

  /** The month's total as the limiter keeps it: one primary-key read (for `/metrics` scrapes). */
  async monthTotal(month: string, key = 'coingecko'): Promise<number> {
    const { rows } = await sql<{ month_calls: string }>`
      select month_calls from rate_limit_windows
      where key = ${key} and month = ${`${month}-01`}::date`.execute(this.db());
    return Number(rows[0]?.month_calls ?? 0);
  }

  /**
   * The calls of each job's latest successful run; absent for a job that never succeeded, or whose last
   * success predates call counting or made no call (the definition's estimate stands in for those).
   * One probe per job on the partial index of successes, in its order (latest completion first), never a scan of
   * the history — ordered by start instead, a job that never succeeded read every run of every job.
   */
  async lastSuccessCalls(jobKeys: readonly string[]): Promise<Map<string, number>> {
    if (jobKeys.length === 0) return new Map();
    const { rows } = await sql<{ job_key: string; calls: string | null }>`
      select k.job_key, (
        select c.calls from job_runs r
        left join coingecko_run_calls c on c.run_id = r.id
        where r.job_key = k.job_key and r.status = 'succeeded'
        order by r.job_key, r.completed_at desc
        limit 1
      ) as calls
      from unnest(${[...jobKeys]}::text[]) as k(job_key)`.execute(this.db());
    const calls = new Map<string, number>();
    for (const row of rows) if (row.calls !== null) calls.set(row.job_key, Number(row.calls));
    return calls;
  }
}
