import { sql, type Kysely } from 'kysely';

/** The natural key of a raw price row, as far as the rollups need it. */
export interface PriceKey {
  assetId: string;
  timestamp: Date;
  source: string;
}

const ROLLUP_COLUMNS = sql`(asset_id, bucket, source, open, high, low, close, points, market_cap_usd, volume_24h_usd)`;

const UPSERT_ROLLUP = sql`on conflict (asset_id, bucket, source) do update
     set open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
         points = excluded.points, market_cap_usd = excluded.market_cap_usd,
         volume_24h_usd = excluded.volume_24h_usd, updated_at = now()
   where (r.open, r.high, r.low, r.close, r.points, r.market_cap_usd, r.volume_24h_usd)
         is distinct from (excluded.open, excluded.high, excluded.low, excluded.close, excluded.points,
                           excluded.market_cap_usd, excluded.volume_24h_usd)`;

/**
 * Recomputes the hourly and daily rollup buckets that hold `keys`, in the caller's transaction (the raw write's).
 *
 * Each bucket is computed whole from what is stored, never by adding a delta: the hour from the raw rows of that
 * hour, the day from its (just refreshed) hours, which gives the same open/high/low/close, count and last amounts as
 * the day's raw rows, from 24 rows instead of 96. So a retried slot, a repaired gap or a backfill that writes the
 * same rows again leaves every bucket as it was, and a bucket whose values did not change is not rewritten.
 * `open`/`close` are the bucket's first/last price by time, `market_cap_usd`/`volume_24h_usd` its last row's.
 */
export async function refreshRollups(db: Kysely<unknown>, keys: readonly PriceKey[]): Promise<void> {
  if (keys.length === 0) return;
  let first = keys[0].timestamp.getTime();
  let last = first;
  for (const key of keys) {
    const at = key.timestamp.getTime();
    if (at < first) first = at;
    if (at > last) last = at;
  }
  const touched = sql`unnest(
      ${sql.val(keys.map((key) => key.assetId))}::uuid[],
      ${sql.val(keys.map((key) => key.timestamp.toISOString()))}::timestamptz[],
      ${sql.val(keys.map((key) => key.source))}::text[]) as k(asset_id, t, source)`;
  // The batch's whole time range, as constants, so the planner prunes the raw partitions before it runs.
  const from = new Date(Math.floor(first / 3_600_000) * 3_600_000).toISOString();
  const to = new Date(Math.floor(last / 3_600_000) * 3_600_000 + 3_600_000).toISOString();

  await sql`
    insert into asset_prices_hourly as r ${ROLLUP_COLUMNS}
    select b.asset_id, b.bucket, b.source,
           (array_agg(p.price_usd order by p.timestamp))[1], max(p.price_usd), min(p.price_usd),
           (array_agg(p.price_usd order by p.timestamp desc))[1], count(*)::int,
           (array_agg(p.market_cap_usd order by p.timestamp desc))[1],
           (array_agg(p.volume_24h_usd order by p.timestamp desc))[1]
      from (select distinct k.asset_id, date_trunc('hour', k.t, 'UTC') as bucket, k.source from ${touched}) b
      join asset_prices p
        on p.asset_id = b.asset_id and p.source = b.source
       and p.timestamp >= b.bucket and p.timestamp < b.bucket + interval '1 hour'
       and p.timestamp >= ${from}::timestamptz and p.timestamp < ${to}::timestamptz
     group by b.asset_id, b.bucket, b.source
    ${UPSERT_ROLLUP}`.execute(db);

  await sql`
    insert into asset_prices_daily as r ${ROLLUP_COLUMNS}
    select b.asset_id, b.bucket, b.source,
           (array_agg(h.open order by h.bucket))[1], max(h.high), min(h.low),
           (array_agg(h.close order by h.bucket desc))[1], sum(h.points)::int,
           (array_agg(h.market_cap_usd order by h.bucket desc))[1],
           (array_agg(h.volume_24h_usd order by h.bucket desc))[1]
      from (select distinct k.asset_id, date_trunc('day', k.t, 'UTC') as bucket, k.source from ${touched}) b
      join asset_prices_hourly h
        on h.asset_id = b.asset_id and h.source = b.source
       and h.bucket >= b.bucket and h.bucket < b.bucket + interval '24 hours'
     group by b.asset_id, b.bucket, b.source
    ${UPSERT_ROLLUP}`.execute(db);
}
