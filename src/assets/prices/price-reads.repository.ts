import { Injectable } from '@nestjs/common';
import { sql, type RawBuilder } from 'kysely';
import { SqlRepository } from '../../database/sql-repository.js';
import type { PriceFlagKind } from '../../prices-quality/price-flag.entity.js';
import { fromSources, preference } from './price-sources.js';
import type { SeriesInterval } from './series-interval.js';

/** A flag on a stored price, as the reads show it (`detail` is the detector's JSON, passed through). */
export interface PriceFlag {
  kind: PriceFlagKind;
  detail: unknown;
}

/** One bucket of a series, in its wire shape (amounts as exact decimal text). */
export interface SeriesPointRow {
  t: string;
  open: string;
  high: string;
  low: string;
  close: string;
  points: number;
  /** The provider of the bucket's prices. */
  source: string;
}

export interface SeriesQuery {
  assetId: string;
  /** The providers the series may read, best first. */
  sources: readonly string[];
  interval: SeriesInterval;
  /** The start of the first bucket (inclusive) and the end of the last one (exclusive): constants the plan prunes by. */
  from: Date;
  until: Date;
}

/** One requested asset of `prices/at`: the text sent, and the asset id when that text is a UUID. */
export interface RequestedAsset {
  key: string;
  id: string | null;
}

export interface FlagsQuery {
  assetId: string;
  sources: readonly string[];
  from: Date;
  until: Date;
}

export interface FlagRow extends PriceFlag {
  timestamp: string;
  source: string;
}

export interface PricesAtQuery {
  assets: readonly RequestedAsset[];
  /** The providers the prices may come from, best first. */
  sources: readonly string[];
  /** `(after, at]`: the window the price must fall in, both constants. */
  after: Date;
  at: Date;
}

export interface PriceAtRow {
  key: string;
  asset_id: string | null;
  timestamp: string | null;
  price_usd: string | null;
  source: string | null;
  /** The price's flags, null when it has none. */
  flags: PriceFlag[] | null;
}

export interface PriceHistoryBounds {
  first_at: string | null;
  last_at: string | null;
  raw_from: string | null;
}

const iso = (column: RawBuilder<unknown>): RawBuilder<string> =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** One stored price's flags as a JSON array (null when none): a probe of the `price_flags` primary key. */
export function flagsOf(
  assetId: RawBuilder<unknown>,
  timestamp: RawBuilder<unknown>,
  source: RawBuilder<unknown>,
): RawBuilder<{ flags: PriceFlag[] | null }> {
  return sql`
    select json_agg(json_build_object('kind', f.kind, 'detail', f.detail) order by f.kind) as flags
      from price_flags f
     where f.asset_id = ${assetId} and f.timestamp = ${timestamp} and f.source = ${source}`;
}

/** How each interval is read: a table, and the width its rows are grouped by when they are finer than the interval. */
const SOURCES: Record<SeriesInterval, { table: 'raw' | 'hourly' | 'daily'; bin?: string; origin?: string }> =
  {
    '15m': { table: 'raw', bin: '15 minutes', origin: '1970-01-01T00:00:00Z' },
    '1h': { table: 'hourly' },
    '4h': { table: 'hourly', bin: '4 hours', origin: '1970-01-01T00:00:00Z' },
    '1d': { table: 'daily' },
    // ISO weeks start on Monday: 1970-01-05 was one.
    '1w': { table: 'daily', bin: '7 days', origin: '1970-01-05T00:00:00Z' },
  };

/**
 * The time-series reads of the price history. Every time bound is a bound parameter cast to `timestamptz`, never
 * an expression computed in SQL (`$1 - interval '1 day'` is only stable, not immutable), so the planner sees
 * constants and keeps only the monthly partitions of `asset_prices` that the range touches.
 */
@Injectable()
export class PriceReadsRepository extends SqlRepository {
  /**
   * The buckets of a series that hold at least one price, oldest first: each bucket is computed per source, and the
   * one kept is that of the first source in `query.sources` that has the bucket (an explicit `source` is a list of one).
   */
  async series(query: SeriesQuery): Promise<SeriesPointRow[]> {
    const { table, bin, origin } = SOURCES[query.interval];
    const from = query.from.toISOString();
    const until = query.until.toISOString();
    let buckets: RawBuilder<unknown>;
    if (table === 'raw') {
      buckets = sql`
        select date_bin(${sql.lit(bin)}::interval, p.timestamp, ${sql.lit(origin)}::timestamptz) as t, p.source,
               (array_agg(p.price_usd order by p.timestamp))[1] as open,
               max(p.price_usd) as high, min(p.price_usd) as low,
               (array_agg(p.price_usd order by p.timestamp desc))[1] as close, count(*)::int as points
          from asset_prices p
         where p.asset_id = ${query.assetId}::uuid and ${fromSources(sql`p.source`, query.sources)}
           and p.timestamp >= ${from}::timestamptz and p.timestamp < ${until}::timestamptz
         group by 1, 2`;
    } else {
      const rollup = sql.table(table === 'hourly' ? 'asset_prices_hourly' : 'asset_prices_daily');
      const range = sql`r.asset_id = ${query.assetId}::uuid and ${fromSources(sql`r.source`, query.sources)}
                   and r.bucket >= ${from}::timestamptz and r.bucket < ${until}::timestamptz`;
      buckets =
        bin === undefined
          ? sql`
        select r.bucket as t, r.source, r.open, r.high, r.low, r.close, r.points
          from ${rollup} r
         where ${range}`
          : sql`
        select date_bin(${sql.lit(bin)}::interval, r.bucket, ${sql.lit(origin)}::timestamptz) as t, r.source,
               (array_agg(r.open order by r.bucket))[1] as open, max(r.high) as high, min(r.low) as low,
               (array_agg(r.close order by r.bucket desc))[1] as close, sum(r.points)::int as points
          from ${rollup} r
         where ${range}
         group by 1, 2`;
    }
    const { rows } = await sql<SeriesPointRow>`
      select distinct on (b.t) ${iso(sql`b.t`)} as t, b.open::text as open, b.high::text as high,
             b.low::text as low, b.close::text as close, b.points, b.source
        from (${buckets}) b
       order by b.t, ${preference(sql`b.source`, query.sources)}`.execute(this.db());
    return rows;
  }

  /**
   * The flags of the raw points of `sources` in `[from, until)`, oldest first: few rows (a flag marks an anomaly),
   * read by the `price_flags` key's asset and time prefix, so the series can hang them on its buckets.
   */
  async flagsBetween(query: FlagsQuery): Promise<FlagRow[]> {
    const { rows } = await sql<FlagRow>`
      select ${iso(sql`f.timestamp`)} as timestamp, f.source, f.kind, f.detail
        from price_flags f
       where f.asset_id = ${query.assetId}::uuid and ${fromSources(sql`f.source`, query.sources)}
         and f.timestamp >= ${query.from.toISOString()}::timestamptz
         and f.timestamp < ${query.until.toISOString()}::timestamptz
       order by f.timestamp, f.kind`.execute(this.db());
    return rows;
  }

  /**
   * Each requested asset's newest price in `(after, at]`, in request order, in one statement whatever the number of
   * assets: each text is resolved to an asset (by id when it is a UUID, else by CoinGecko id), then one backwards
   * probe of the `(asset_id, timestamp, source)` key per asset, bounded by constants so only the partitions of the
   * window are read. Of the newest time any of `sources` has, the row of the first of them that has it (a slot the
   * preferred provider missed is answered by the next); its flags by one probe of the `price_flags` key.
   * An unknown asset comes back with a null `asset_id`, one without a price with a null `timestamp`.
   */
  async pricesAt(query: PricesAtQuery): Promise<PriceAtRow[]> {
    const { rows } = await sql<PriceAtRow>`
      select r.key, a.id as asset_id, ${iso(sql`p.timestamp`)} as timestamp, p.price_usd::text as price_usd, p.source,
             fl.flags
        from unnest(${query.assets.map((asset) => asset.key)}::text[],
                    ${query.assets.map((asset) => asset.id)}::uuid[]) with ordinality as r(key, id, ord)
        left join lateral (
          select x.id from assets x where x.id = r.id
          union all
          select x.id from assets x where r.id is null and x.coingecko_id = r.key
        ) a on true
        left join lateral (
          select q.timestamp, q.price_usd, q.source
            from asset_prices q
           where q.asset_id = a.id and ${fromSources(sql`q.source`, query.sources)}
             and q.timestamp > ${query.after.toISOString()}::timestamptz
             and q.timestamp <= ${query.at.toISOString()}::timestamptz
           order by q.timestamp desc, ${preference(sql`q.source`, query.sources)}
           limit 1
        ) p on true
        left join lateral (${flagsOf(sql`a.id`, sql`p.timestamp`, sql`p.source`)}) fl on true
       order by r.ord`.execute(this.db());
    return rows;
  }

  /**
   * What history an asset has, from four index probes (the daily rollup's key and the raw key, each read from both
   * ends): the oldest point (its raw timestamp while the raw rows of its day are kept, else its day in the daily
   * rollup), the newest, and the oldest raw row still stored.
   */
  async historyBounds(assetId: string): Promise<PriceHistoryBounds> {
    const { rows } = await sql<PriceHistoryBounds>`
      select ${iso(sql`case when b.raw_first is null or b.daily_first < date_trunc('day', b.raw_first, 'UTC')
                            then b.daily_first else b.raw_first end`)} as first_at,
             ${iso(sql`greatest(b.raw_last, b.daily_last)`)} as last_at,
             ${iso(sql`b.raw_first`)} as raw_from
        from (select
          (select d.bucket from asset_prices_daily d where d.asset_id = ${assetId}::uuid
            order by d.bucket limit 1) as daily_first,
          (select d.bucket from asset_prices_daily d where d.asset_id = ${assetId}::uuid
            order by d.bucket desc limit 1) as daily_last,
          (select p.timestamp from asset_prices p where p.asset_id = ${assetId}::uuid
            order by p.timestamp limit 1) as raw_first,
          (select p.timestamp from asset_prices p where p.asset_id = ${assetId}::uuid
            order by p.timestamp desc limit 1) as raw_last) b`.execute(this.db());
    return rows[0] ?? { first_at: null, last_at: null, raw_from: null };
  }
}
