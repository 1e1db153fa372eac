import { Migration } from '@mikro-orm/migrations';

/**
 * `provider_calls` counts every request sent to a market-data provider other than CoinGecko per UTC month,
 * provider, job and endpoint (retries included), in the statement of the shared limiter that admits it.
 * CoinGecko keeps its own `coingecko_calls`, which `GET /coingecko/usage` reads unchanged.
 */
export class Migration20261207021000_provider_calls extends Migration {
  override up(): void {
    this.addSql(
      `create table "provider_calls" ("month" date not null, "provider" text not null, "job_key" text not null, ` +
        `"endpoint" text not null, "calls" bigint not null default 0, ` +
        `constraint "provider_calls_pkey" primary key ("month", "provider", "job_key", "endpoint"));`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "provider_calls";`);
  }
}
