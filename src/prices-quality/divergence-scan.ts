import { sql, type RawBuilder } from 'kysely';
import { isoSecondsUtc, type WrittenPrice } from './anomaly-scan.js';

/** How a divergence was found: a raw write met another source's row of its slot, or the cross-check job. */
export type DivergenceCheck = 'write' | 'cross_check';

/**
 * One live quote of a second provider to hold against a stored row: the row `(assetId, timestamp, source)` is
 * the one flagged when the two differ by more than the threshold.
 */
export interface ComparedQuote {
  assetId: string;
  timestamp: Date;
  source: string;
  otherSource: string;
  /** Decimal text, as the provider sent it. */
  otherPriceUsd: string;
  /** When the other provider's price holds (its ticker time). */
  otherAt: Date;
}

/**
 * The divergence flags among `pairs`, a relation `(asset_id, timestamp, source, price_usd, other_source,
 * other_price, other_timestamp)` of numeric prices: a pair diverges when the higher price is more than
 * `thresholdPercent` above the lower one (symmetric, so both rows of a pair carry the same percent). A zero
 * price has no percent and is left to the spike check. A row that diverges from several sources gets one flag,
 * about the widest gap, because the natural key holds one flag per row and kind.
 */
function judge(pairs: RawBuilder<unknown>, thresholdPercent: number, check: DivergenceCheck) {
  const threshold = sql`${thresholdPercent}::numeric`;
  return sql`
    select distinct on (d.asset_id, d.timestamp, d.source)
           d.asset_id, d.timestamp, d.source, 'divergence' as kind,
           jsonb_build_object(
             'price_usd', d.price_usd::text,
             'other', jsonb_build_object(
               'source', d.other_source,
               'price_usd', d.other_price::text,
               'timestamp', ${isoSecondsUtc('d.other_timestamp')}),
             'percent', round(d.percent, 2)::float8,
             'threshold_percent', ${threshold}::float8,
             'found_by', ${check}::text) as detail
      from (select q.*, abs(q.price_usd - q.other_price) / least(q.price_usd, q.other_price) * 100 as percent
              from (${pairs}) q
             where q.price_usd > 0 and q.other_price > 0) d
     where d.percent > ${threshold}
     order by d.asset_id, d.timestamp, d.source, d.percent desc, d.other_source`;
}

/**
 * Divergences a raw write made: each written key is probed for another source's row at the same asset and
 * timestamp (the primary key's index, so the cost follows the rows written, never the history stored). A pair
 * over the threshold flags both rows: a divergence is a fact about the pair, and a read of either source
 * (`?source=`, or the preferred one once it has its row) shows it.
 */
export function writeDivergences(
  written: readonly WrittenPrice[],
  thresholdPercent: number,
): RawBuilder<unknown> {
  const keys = sql`select distinct * from unnest(
      ${sql.val(written.map((key) => key.assetId))}::uuid[],
      ${sql.val(written.map((key) => key.timestamp.toISOString()))}::timestamptz[],
      ${sql.val(written.map((key) => key.source))}::text[]) as w(asset_id, "timestamp", source)`;
  const pairs = sql`
    with found as (
      select p.asset_id, p.timestamp, p.source, p.price_usd, o.source as other_source, o.price_usd as other_price
        from (${keys}) w
        join asset_prices p on p.asset_id = w.asset_id and p.timestamp = w.timestamp and p.source = w.source
        join asset_prices o on o.asset_id = w.asset_id and o.timestamp = w.timestamp and o.source <> w.source
    )
    select asset_id, timestamp, source, price_usd, other_source, other_price, timestamp as other_timestamp
      from found
    union all
    select asset_id, timestamp, other_source, other_price, source, price_usd, timestamp
      from found`;
  return judge(pairs, thresholdPercent, 'write');
}

/** Divergences between stored rows and live quotes of another provider (the cross-check job). */
export function quoteDivergences(
  quotes: readonly ComparedQuote[],
  thresholdPercent: number,
): RawBuilder<unknown> {
  const pairs = sql`
    select q.asset_id, q.timestamp, q.source, p.price_usd, q.other_source, q.other_price, q.other_timestamp
      from unnest(
        ${sql.val(quotes.map((quote) => quote.assetId))}::uuid[],
        ${sql.val(quotes.map((quote) => quote.timestamp.toISOString()))}::timestamptz[],
        ${sql.val(quotes.map((quote) => quote.source))}::text[],
        ${sql.val(quotes.map((quote) => quote.otherSource))}::text[],
        ${sql.val(quotes.map((quote) => quote.otherPriceUsd))}::numeric[],
        ${sql.val(quotes.map((quote) => quote.otherAt.toISOString()))}::timestamptz[])
        as q(asset_id, "timestamp", source, other_source, other_price, other_timestamp)
      join asset_prices p on p.asset_id = q.asset_id and p.timestamp = q.timestamp and p.source = q.source`;
  return judge(pairs, thresholdPercent, 'cross_check');
}
