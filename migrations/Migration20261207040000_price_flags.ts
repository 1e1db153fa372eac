import { Migration } from '@mikro-orm/migrations';

const OLD_EVENTS = `'job_failing', 'job_recovered', 'job_overdue'`;

/**
 * `price_flags`: anomalies found in the stored prices (a spike or a freeze within one source's series, a
 * divergence between two sources), one row per point and kind; `(asset_id, timestamp, source, kind)` is the
 * natural key and the primary key, so a re-scan records nothing twice and the reads join a point's flags by a
 * prefix of it. The two other indexes serve `GET /prices/flags` newest first, unfiltered and by kind (by asset,
 * the primary key does). A flag never deletes or changes the price it is about.
 *
 * `job_alerts.event` also accepts `price_anomaly`: anomaly alerts are claimed and delivered like the job alerts.
 */
export class Migration20261207040000_price_flags extends Migration {
  override up(): void {
    this.addSql(
      `create table "price_flags" ("asset_id" uuid not null, "timestamp" timestamptz not null, "source" text not null, ` +
        `"kind" text not null, "detail" jsonb not null, "created_at" timestamptz not null default now(), ` +
        `constraint "price_flags_pkey" primary key ("asset_id", "timestamp", "source", "kind"));`,
    );
    this.addSql(
      `alter table "price_flags" add constraint "price_flags_asset_id_foreign" foreign key ("asset_id") references "assets" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "price_flags" add constraint "price_flags_kind_check" check ("kind" in ('spike', 'freeze', 'divergence'));`,
    );
    this.addSql(
      `create index "price_flags_timestamp_index" on "price_flags" ("timestamp", "asset_id", "source", "kind");`,
    );
    this.addSql(
      `create index "price_flags_kind_timestamp_index" on "price_flags" ("kind", "timestamp", "asset_id", "source");`,
    );
    this.addSql(`alter table "job_alerts" drop constraint "job_alerts_event_check";`);
    this.addSql(
      `alter table "job_alerts" add constraint "job_alerts_event_check" check ("event" in (${OLD_EVENTS}, 'price_anomaly'));`,
    );
  }

  override down(): void {
    this.addSql(`delete from "job_alerts" where "event" = 'price_anomaly';`);
    this.addSql(`alter table "job_alerts" drop constraint "job_alerts_event_check";`);
    this.addSql(
      `alter table "job_alerts" add constraint "job_alerts_event_check" check ("event" in (${OLD_EVENTS}));`,
    );
    this.addSql(`drop table if exists "price_flags";`);
  }
}
