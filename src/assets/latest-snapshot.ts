import { sql, type RawBuilder } from 'kysely';
import type { ProviderName } from '../providers/provider-name.js';

/** The source every collector writes unless a fallback provider served it: part of the natural key of rankings and prices. */
export const COINGECKO_SOURCE = 'coingecko';

/**
 * The sources a ranking may be read from, best first: `PRICE_PROVIDERS`, with CoinGecko last when it is not
 * listed. top_coins_collection always asks CoinGecko first (asset identity is the CoinGecko id), so its
 * rankings must stay readable whatever the price preference says.
 */
export function rankingSources(order: readonly ProviderName[]): readonly ProviderName[] {
  return order.includes(COINGECKO_SOURCE) ? order : [...order, COINGECKO_SOURCE];
}

/**
 * The date of the newest snapshot in `asset_rankings` from any of `sources`, as a scalar subquery (null when
 * there is none). The read API and the collectors all mean this one date.
 */
export function latestSnapshotDate(
  sources: readonly string[] = [COINGECKO_SOURCE],
): RawBuilder<string | null> {
  return sql`(select max(snapshot_date) from asset_rankings where ${sourceIn(sql`source`, sources)})`;
}

/** CoinGecko's latest snapshot date, what every read meant before there were two ranking sources. */
export const LATEST_SNAPSHOT_DATE: RawBuilder<string | null> = latestSnapshotDate();

/**
 * The source a date's snapshot is read from: the first of `sources` with any row that day. A snapshot is one
 * provider's whole list, never a mix: two providers' ranks of one day would collide (two coins at rank 5)
 * and a coin the preferred provider left out of its top N would come back with the other's rank
 * (docs/decisions.md, "The latest snapshot with two ranking sources").
 */
export function snapshotSource(
  date: RawBuilder<unknown>,
  sources: readonly string[],
): RawBuilder<string | null> {
  return sql`(select s.source from unnest(${sources}::text[]) with ordinality s(source, n)
               where exists (select 1 from asset_rankings x where x.snapshot_date = ${date} and x.source = s.source)
               order by s.n limit 1)`;
}

/** Restricts the rankings aliased `alias` to the snapshot of `date`: that day's rows of its source. */
export function inSnapshot(
  alias: string,
  date: RawBuilder<unknown>,
  sources: readonly string[] = [COINGECKO_SOURCE],
): RawBuilder<unknown> {
  const ranking = sql.table(alias);
  return sql`${ranking}.snapshot_date = ${date} and ${ranking}.source = ${oneSource(date, sources)}`;
}

/** Restricts the rankings aliased `alias` to the latest snapshot (by default CoinGecko's, as before there were two). */
export function inLatestSnapshot(
  alias: string,
  sources: readonly string[] = [COINGECKO_SOURCE],
): RawBuilder<unknown> {
  return inSnapshot(alias, latestSnapshotDate(sources), sources);
}

/** With one source the statement stays what it was before there were two (a constant, no subquery). */
function oneSource(date: RawBuilder<unknown>, sources: readonly string[]): RawBuilder<unknown> {
  return sources.length === 1 ? sql`${sources[0]}` : snapshotSource(date, sources);
}

function sourceIn(column: RawBuilder<unknown>, sources: readonly string[]): RawBuilder<unknown> {
  return sources.length === 1 ? sql`${column} = ${sources[0]}` : sql`${column} = any(${sources}::text[])`;
}
