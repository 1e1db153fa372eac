import { Migration } from '@mikro-orm/migrations';

const PRICE_COLUMNS = `"asset_id", "timestamp", "price_usd", "volume_24h_usd", "market_cap_usd", "change_percent_24h", "source", "created_at"`;

/** A rollup's columns; `bucket` is the UTC hour or day. */
function rollupTable(name: string): string {
  return `create table "${name}" ("asset_id" uuid not null, "bucket" timestamptz not null, "source" text not null, "open" numeric not null, "high" numeric not null, "low" numeric not null, "close" numeric not null, "points" int not null, "market_cap_usd" numeric null, "volume_24h_usd" numeric null, "updated_at" timestamptz not null default now(), constraint "${name}_pkey" primary key ("asset_id", "bucket", "source"));`;
}

/**
 * `asset_prices` becomes a table partitioned by UTC month (`asset_prices_pYYYYMM`, no default partition), with the
 * natural key `(asset_id, timestamp, source)` as its primary key: the API never exposed the `bigserial` id, and a
 * partitioned table's unique keys must hold the partition key anyway. Plus the hourly and daily rollups, filled once
 * here from the raw rows and kept up to date by every raw write afterwards (src/assets/storage/price-rollups.ts).
 *
 * Every row is copied into its month's partition. The old table is renamed first, so the copy reads a table no one
 * else writes; the migration's transaction holds it for the time of the copy (docs/scaling.md gives the time per
 * million rows). Attaching the old table whole as one partition would be instant but would leave one partition
 * spanning many months, which the monthly naming, the retention (drop a month) and pruning all rely on not existing.
 */
export class Migration20261207000000_asset_prices_partitioned extends Migration {
  override up(): void {
    this.addSql(`alter table "asset_prices" rename to "asset_prices_unpartitioned";`);
    this.addSql(
      `alter table "asset_prices_unpartitioned" rename constraint "asset_prices_pkey" to "asset_prices_unpartitioned_pkey";`,
    );
    this.addSql(
      `alter table "asset_prices_unpartitioned" rename constraint "asset_prices_asset_id_timestamp_source_unique" to "asset_prices_unpartitioned_natural_key";`,
    );
    this.addSql(
      `create table "asset_prices" ("asset_id" uuid not null, "timestamp" timestamptz not null, "price_usd" numeric not null, "volume_24h_usd" numeric null, "market_cap_usd" numeric null, "change_percent_24h" numeric null, "source" text not null default 'coingecko', "created_at" timestamptz not null default now(), constraint "asset_prices_pkey" primary key ("asset_id", "timestamp", "source")) partition by range ("timestamp");`,
    );
    this.addSql(
      `alter table "asset_prices" add constraint "asset_prices_asset_id_foreign" foreign key ("asset_id") references "assets" ("id") on delete cascade;`,
    );
    // One partition for every month that holds rows, plus the current month and the next two.
    this.addSql(`do $$
      declare month timestamp;
      begin
        for month in
          select distinct date_trunc('month', "timestamp" at time zone 'UTC') from "asset_prices_unpartitioned"
          union
          select date_trunc('month', now() at time zone 'UTC') + make_interval(months => k) from generate_series(0, 2) k
        loop
          execute format('create table %I partition of "asset_prices" for values from (%L) to (%L)',
            'asset_prices_p' || to_char(month, 'YYYYMM'),
            to_char(month, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            to_char(month + interval '1 month', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
        end loop;
      end $$;`);
    this.addSql(
      `insert into "asset_prices" (${PRICE_COLUMNS}) select ${PRICE_COLUMNS} from "asset_prices_unpartitioned";`,
    );
    this.addSql(`drop table "asset_prices_unpartitioned";`);

    for (const name of ['asset_prices_hourly', 'asset_prices_daily']) {
      this.addSql(rollupTable(name));
      this.addSql(
        `alter table "${name}" add constraint "${name}_asset_id_foreign" foreign key ("asset_id") references "assets" ("id") on delete cascade;`,
      );
    }
    this.addSql(`insert into "asset_prices_hourly"
      ("asset_id", "bucket", "source", "open", "high", "low", "close", "points", "market_cap_usd", "volume_24h_usd")
      select p.asset_id, date_trunc('hour', p.timestamp, 'UTC'), p.source,
             (array_agg(p.price_usd order by p.timestamp))[1], max(p.price_usd), min(p.price_usd),
             (array_agg(p.price_usd order by p.timestamp desc))[1], count(*)::int,
             (array_agg(p.market_cap_usd order by p.timestamp desc))[1],
             (array_agg(p.volume_24h_usd order by p.timestamp desc))[1]
        from "asset_prices" p
       group by p.asset_id, date_trunc('hour', p.timestamp, 'UTC'), p.source;`);
    this.addSql(`insert into "asset_prices_daily"
      ("asset_id", "bucket", "source", "open", "high", "low", "close", "points", "market_cap_usd", "volume_24h_usd")
      select h.asset_id, date_trunc('day', h.bucket, 'UTC'), h.source,
             (array_agg(h.open order by h.bucket))[1], max(h.high), min(h.low),
             (array_agg(h.close order by h.bucket desc))[1], sum(h.points)::int,
             (array_agg(h.market_cap_usd order by h.bucket desc))[1],
             (array_agg(h.volume_24h_usd order by h.bucket desc))[1]
        from "asset_prices_hourly" h
       group by h.asset_id, date_trunc('day', h.bucket, 'UTC'), h.source;`);
  }

  override down(): void {
    this.addSql(
      `create table "asset_prices_unpartitioned" ("id" bigserial primary key, "asset_id" uuid not null, "timestamp" timestamptz not null, "price_usd" numeric not null, "volume_24h_usd" numeric null, "market_cap_usd" numeric null, "change_percent_24h" numeric null, "source" text not null default 'coingecko', "created_at" timestamptz not null default now());`,
    );
    this.addSql(
      `insert into "asset_prices_unpartitioned" (${PRICE_COLUMNS}) select ${PRICE_COLUMNS} from "asset_prices" order by "timestamp", "asset_id", "source";`,
    );
    this.addSql(`drop table "asset_prices" cascade;`);
    this.addSql(`drop table "asset_prices_daily" cascade;`);
    this.addSql(`drop table "asset_prices_hourly" cascade;`);
    this.addSql(`alter table "asset_prices_unpartitioned" rename to "asset_prices";`);
    this.addSql(
      `alter table "asset_prices" rename constraint "asset_prices_unpartitioned_pkey" to "asset_prices_pkey";`,
    );
    this.addSql(`alter sequence "asset_prices_unpartitioned_id_seq" rename to "asset_prices_id_seq";`);
    this.addSql(
      `alter table "asset_prices" add constraint "asset_prices_asset_id_timestamp_source_unique" unique ("asset_id", "timestamp", "source");`,
    );
    this.addSql(
      `alter table "asset_prices" add constraint "asset_prices_asset_id_foreign" foreign key ("asset_id") references "assets" ("id") on delete cascade;`,
    );
  }
}
