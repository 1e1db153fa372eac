import { Migration } from '@mikro-orm/migrations';

/**
 * Limits shared by every replica on one database. `rate_limit_windows` holds one row per limit: the
 * start times (epoch ms, ascending) of its last N admitted requests — a sliding-window log — and, for
 * CoinGecko, the `Retry-After` hold and this month's running total that the budget is checked against.
 * `coingecko_calls` counts every request sent to CoinGecko per UTC month, job and endpoint.
 */
export class Migration20261201120000_shared_rate_limits_and_call_counts extends Migration {
  override up(): void | Promise<void> {
    this.addSql(
      `create table "rate_limit_windows" ("key" text not null, "starts" bigint[] not null default '{}', "held_until" bigint null, "month" date null, "month_calls" bigint not null default 0, "updated_at" timestamptz not null default now(), constraint "rate_limit_windows_pkey" primary key ("key"));`,
    );
    this.addSql(
      `create table "coingecko_calls" ("month" date not null, "job_key" text not null, "endpoint" text not null, "calls" bigint not null default 0, constraint "coingecko_calls_pkey" primary key ("month", "job_key", "endpoint"));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "coingecko_calls";`);
    this.addSql(`drop table if exists "rate_limit_windows";`);
  }
}
