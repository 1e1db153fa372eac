import { Migration } from '@mikro-orm/migrations';

/**
 * Price slots the gap-repair job asked CoinGecko for and could not fill (no sample near the slot, a coin
 * without data, a 404), one row per hole: `(asset_id, slot)` is the key, `tries` how often it was asked.
 * A hole is asked at most `PRICE_GAP_REPAIR_MAX_TRIES` times; rows older than the lookback are deleted.
 */
export class Migration20261201140000_price_gap_attempts extends Migration {
  override up(): void {
    this.addSql(
      `create table "price_gap_attempts" ("asset_id" uuid not null, "slot" timestamptz not null, "tries" int not null default 0, "last_tried_at" timestamptz not null, "last_reason" text not null, primary key ("asset_id", "slot"));`,
    );
    this.addSql(
      `alter table "price_gap_attempts" add constraint "price_gap_attempts_asset_id_foreign" foreign key ("asset_id") references "assets" ("id") on delete cascade;`,
    );
    this.addSql(`create index "price_gap_attempts_slot_index" on "price_gap_attempts" ("slot");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "price_gap_attempts";`);
  }
}
