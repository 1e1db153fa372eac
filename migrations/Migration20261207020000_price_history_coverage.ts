import { Migration } from '@mikro-orm/migrations';

/**
 * The history backfill (`price_history_backfill`): per asset and source, what has been backfilled — the
 * earliest and latest point stored from the daily and from the hourly range, whether each range is done,
 * the tries, the last error and when the asset's coverage was complete. `asset_prices.backfilled` marks the
 * rows the backfill inserted (docs/decisions.md): adding a column with a constant default is a catalogue
 * change only, on the partitioned parent and every partition alike.
 */
export class Migration20261207020000_price_history_coverage extends Migration {
  override up(): void {
    this.addSql(`alter table "asset_prices" add column "backfilled" boolean not null default false;`);
    this.addSql(
      `create table "price_history_coverage" ("asset_id" uuid not null, "source" text not null default 'coingecko', ` +
        `"daily_from" timestamptz null, "daily_to" timestamptz null, "daily_done" boolean not null default false, ` +
        `"hourly_from" timestamptz null, "hourly_to" timestamptz null, "hourly_done" boolean not null default false, ` +
        `"points_inserted" int not null default 0, "tries" int not null default 0, "last_error" text null, ` +
        `"last_tried_at" timestamptz null, "completed_at" timestamptz null, "created_at" timestamptz not null default now(), ` +
        `primary key ("asset_id", "source"));`,
    );
    this.addSql(
      `alter table "price_history_coverage" add constraint "price_history_coverage_asset_id_foreign" foreign key ("asset_id") references "assets" ("id") on delete cascade;`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "price_history_coverage";`);
    this.addSql(`alter table "asset_prices" drop column if exists "backfilled";`);
  }
}
