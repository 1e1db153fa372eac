import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';

export interface ProviderMonthCalls {
  provider: string;
  job: string;
  endpoint: string;
  calls: number;
}

/**
 * The month's calls of every provider, cluster-wide: CoinGecko's from `coingecko_calls` (its own table,
 * also read by /coingecko/usage), the others' from `provider_calls`. A few dozen rows at most.
 */
@Injectable()
export class ProviderUsageRepository {
  constructor(private readonly orm: MikroORM) {}

  private db(): Kysely<unknown> {
    return this.orm.em.fork().getKysely<unknown>();
  }

  async monthCalls(month: string): Promise<ProviderMonthCalls[]> {
    const first = `${month}-01`;
    const { rows } = await sql<{ provider: string; job_key: string; endpoint: string; calls: string }>`
      select 'coingecko' as provider, job_key, endpoint, calls from coingecko_calls
      where month = ${first}::date and calls > 0
      union all
      select provider, job_key, endpoint, calls from provider_calls
      where month = ${first}::date and calls > 0
      order by provider, job_key, endpoint`.execute(this.db());
    return rows.map((row) => ({
      provider: row.provider,
      job: row.job_key,
      endpoint: row.endpoint,
      calls: Number(row.calls),
    }));
  }
}
