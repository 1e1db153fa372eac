import { sql, type RawBuilder } from 'kysely';

/** The source every collector writes: part of the natural key of rankings and prices. */
export const COINGECKO_SOURCE = 'coingecko';

/**
 * "The latest ranking": the date of the newest CoinGecko snapshot in `asset_rankings`, as a scalar
 * subquery (null when there is none). The read API and the collectors all mean this one date.
 */
export const LATEST_SNAPSHOT_DATE: RawBuilder<string | null> =
  sql`(select max(snapshot_date) from asset_rankings where source = ${COINGECKO_SOURCE})`;

/** Restricts the rankings aliased `alias` to the latest snapshot. */
export function inLatestSnapshot(alias: string): RawBuilder<unknown> {
  const ranking = sql.table(alias);
  return sql`${ranking}.source = ${COINGECKO_SOURCE} and ${ranking}.snapshot_date = ${LATEST_SNAPSHOT_DATE}`;
}
