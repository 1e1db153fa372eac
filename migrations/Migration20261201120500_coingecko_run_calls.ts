import { Migration } from '@mikro-orm/migrations';

/**
 * CoinGecko calls per run, so the month's projection can use what a job's last successful run really
 * cost. Deleted with its run (run-history retention removes both).
 */
export class Migration20261201120500_coingecko_run_calls extends Migration {
  override up(): void | Promise<void> {
    this.addSql(
      `create table "coingecko_run_calls" ("run_id" uuid not null, "calls" bigint not null default 0, constraint "coingecko_run_calls_pkey" primary key ("run_id"), constraint "coingecko_run_calls_run_id_foreign" foreign key ("run_id") references "job_runs" ("id") on delete cascade);`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "coingecko_run_calls";`);
  }
}
