import { Migration } from '@mikro-orm/migrations';

/**
 * The five tables of the service. Natural keys are unique constraints, so every collector can write
 * with `INSERT … ON CONFLICT (natural key)` and re-running a job never duplicates a row:
 * - assets:          (coingecko_id)
 * - asset_rankings:  (asset_id, snapshot_date, source)
 * - asset_prices:    (asset_id, timestamp, source)   — timestamp is the run's slot floored to the minute
 * - asset_contracts: (chain, contract_address)      — EVM addresses stored lower-case
 * - job_runs:        (job_key, scheduled_for)        — one run per cron slot across replicas,
 *                    plus a partial unique index on (job_key) where status = 'running' (no overlap).
 * Amounts are `numeric`, never floating point.
 */
export class Migration20261128094039_initial extends Migration {
  override up(): void {
    this.addSql(
      `create table "assets" ("id" uuid not null default gen_random_uuid(), "coingecko_id" text not null, "symbol" text not null, "name" text not null, "asset_type" text not null default 'cryptocurrency', "logo_url" text null, "is_active" boolean not null default true, "is_tracked" boolean not null default false, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`alter table "assets" add constraint "assets_coingecko_id_unique" unique ("coingecko_id");`);
    this.addSql(`create index "assets_symbol_index" on "assets" ("symbol");`);

    this.addSql(
      `create table "asset_contracts" ("id" uuid not null default gen_random_uuid(), "asset_id" uuid not null, "chain" text not null, "contract_address" text not null, "token_standard" text null, "decimals" int null, "is_verified" boolean not null default false, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`create index "asset_contracts_asset_id_index" on "asset_contracts" ("asset_id");`);
    this.addSql(
      `alter table "asset_contracts" add constraint "asset_contracts_chain_contract_address_unique" unique ("chain", "contract_address");`,
    );

    this.addSql(
      `create table "asset_prices" ("id" bigserial primary key, "asset_id" uuid not null, "timestamp" timestamptz not null, "price_usd" numeric not null, "volume_24h_usd" numeric null, "market_cap_usd" numeric null, "change_percent_24h" numeric null, "source" text not null default 'coingecko', "created_at" timestamptz not null default now());`,
    );
    this.addSql(
      `alter table "asset_prices" add constraint "asset_prices_asset_id_timestamp_source_unique" unique ("asset_id", "timestamp", "source");`,
    );

    this.addSql(
      `create table "asset_rankings" ("id" uuid not null default gen_random_uuid(), "asset_id" uuid not null, "snapshot_date" date not null, "rank" int not null, "market_cap_usd" numeric null, "price_usd" numeric null, "volume_24h_usd" numeric null, "change_percent_24h" numeric null, "dominance" numeric null, "source" text not null default 'coingecko', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `create index "asset_rankings_snapshot_date_rank_index" on "asset_rankings" ("snapshot_date", "rank");`,
    );
    this.addSql(
      `alter table "asset_rankings" add constraint "asset_rankings_asset_id_snapshot_date_source_unique" unique ("asset_id", "snapshot_date", "source");`,
    );

    this.addSql(
      `create table "job_runs" ("id" uuid not null default gen_random_uuid(), "job_key" text not null, "job_name" text not null, "trigger" text not null, "scheduled_for" timestamptz null, "status" text not null, "attempts" int not null default 0, "params" jsonb not null default '{}', "started_at" timestamptz not null, "completed_at" timestamptz null, "duration_ms" int null, "heartbeat_at" timestamptz not null, "owner" text not null, "items_processed" int not null default 0, "items_created" int not null default 0, "items_updated" int not null default 0, "items_skipped" int not null default 0, "custom" jsonb not null default '{}', "progress" jsonb null, "error" text null, primary key ("id"));`,
    );
    this.addSql(`create index "job_runs_started_at_id_index" on "job_runs" ("started_at", "id");`);
    this.addSql(`create index "job_runs_job_key_started_at_index" on "job_runs" ("job_key", "started_at");`);
    this.addSql(
      `alter table "job_runs" add constraint "job_runs_job_key_scheduled_for_unique" unique ("job_key", "scheduled_for");`,
    );
    this.addSql(
      `create unique index "job_runs_one_running_per_job" on "job_runs" ("job_key") where status = 'running';`,
    );
    this.addSql(
      `alter table "job_runs" add constraint "job_runs_trigger_check" check ("trigger" in ('schedule', 'manual', 'catch_up', 'dependency', 'cli'));`,
    );
    this.addSql(
      `alter table "job_runs" add constraint "job_runs_status_check" check ("status" in ('running', 'succeeded', 'failed', 'abandoned', 'skipped'));`,
    );

    this.addSql(
      `alter table "asset_contracts" add constraint "asset_contracts_asset_id_foreign" foreign key ("asset_id") references "assets" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "asset_prices" add constraint "asset_prices_asset_id_foreign" foreign key ("asset_id") references "assets" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "asset_rankings" add constraint "asset_rankings_asset_id_foreign" foreign key ("asset_id") references "assets" ("id") on delete cascade;`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "job_runs" cascade;`);
    this.addSql(`drop table if exists "asset_rankings" cascade;`);
    this.addSql(`drop table if exists "asset_prices" cascade;`);
    this.addSql(`drop table if exists "asset_contracts" cascade;`);
    this.addSql(`drop table if exists "assets" cascade;`);
  }
}
