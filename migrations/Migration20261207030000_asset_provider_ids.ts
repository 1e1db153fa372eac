import { Migration } from '@mikro-orm/migrations';

/**
 * Asset identity across providers (docs/providers.md, "Asset identity").
 *
 * `asset_provider_ids`: an asset's id at another provider (`btc-bitcoin` at CoinPaprika); one id per asset and
 * provider, one asset per provider id; `matched_by` says whether the mapping job's rule or an admin set it.
 *
 * `asset_provider_id_checks`: the last outcome of matching each asset against a provider's list (mapped,
 * unmapped or ambiguous, why, and the candidates), which `GET /providers/mappings` lists: the outcome of
 * the last run cannot be recomputed without calling the provider again. `admin_cleared_at` marks an asset
 * an admin unmapped (`coinpaprika_id: null`), so the job does not map it back by rule.
 *
 * Both tables are new: no existing row is touched.
 */
export class Migration20261207030000_asset_provider_ids extends Migration {
  override up(): void {
    this.addSql(
      `create table "asset_provider_ids" ("asset_id" uuid not null, "provider" text not null, ` +
        `"provider_id" text not null, "matched_by" text not null, ` +
        `"created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), ` +
        `constraint "asset_provider_ids_matched_by_check" check ("matched_by" in ('rule', 'admin')), ` +
        `constraint "asset_provider_ids_provider_provider_id_unique" unique ("provider", "provider_id"), ` +
        `primary key ("asset_id", "provider"));`,
    );
    this.addSql(
      `alter table "asset_provider_ids" add constraint "asset_provider_ids_asset_id_foreign" foreign key ("asset_id") references "assets" ("id") on delete cascade;`,
    );
    this.addSql(
      `create table "asset_provider_id_checks" ("asset_id" uuid not null, "provider" text not null, ` +
        `"outcome" text not null, "reason" text null, "candidates" jsonb not null default '[]', ` +
        `"checked_at" timestamptz null, "admin_cleared_at" timestamptz null, ` +
        `constraint "asset_provider_id_checks_outcome_check" check ("outcome" in ('mapped', 'unmapped', 'ambiguous')), ` +
        `primary key ("asset_id", "provider"));`,
    );
    this.addSql(
      `alter table "asset_provider_id_checks" add constraint "asset_provider_id_checks_asset_id_foreign" foreign key ("asset_id") references "assets" ("id") on delete cascade;`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "asset_provider_id_checks";`);
    this.addSql(`drop table if exists "asset_provider_ids";`);
  }
}
