import { sql, type RawBuilder } from 'kysely';
import { COINGECKO_SOURCE } from '../../assets/latest-snapshot.js';
import type { ProviderName } from '../../providers/provider-name.js';

/**
 * The SQL over `price_history_coverage` that joins an asset's rows of several sources into one coverage: CoinGecko's
 * row (`c`), the daily source's when CoinGecko's plan cannot serve the daily range (`d`), and the outage fallback's
 * (`f`). PriceHistoryCoverageRepository runs it.
 */

/** Of an asset's two coverage rows (c CoinGecko's, d the daily source's): the error of the one tried most. */
const COMBINED_LAST_ERROR = sql`case when coalesce(d.tries, 0) >= coalesce(c.tries, 0) and d.last_error is not null
  then d.last_error else coalesce(c.last_error, d.last_error) end`;

/**
 * The priced assets (top `pricedLimit` of the latest ranking, plus tracked ones) with their coverage. With the
 * daily range on another provider, an asset's coverage is its two rows together: the hourly range in CoinGecko's,
 * the daily range in that provider's; complete when both are, set aside when either is. With an outage fallback,
 * the ranges its own row holds come along (`fallback_*`).
 */
export function pricedCoverage(options: {
  /** The condition on `asset_rankings r` that keeps the latest snapshot (inLatestSnapshot). */
  latestRanking: RawBuilder<unknown>;
  pricedLimit: number;
  dailySource: ProviderName | null;
  fallbackSource: ProviderName | null;
}): RawBuilder<unknown> {
  const { latestRanking, pricedLimit, dailySource: second, fallbackSource: fallback } = options;
  const top = sql`
      with top as (
        select r.asset_id, r.rank from asset_rankings r
         where ${latestRanking}
         order by r.rank, r.asset_id
         limit ${pricedLimit}
      )`;
  // When the fallback is also the daily source, its row's daily range is its own by plan, and its hourly range is
  // marked done without points once the daily one is: only an hourly range with points is one it stood in for.
  const sharedRow = fallback !== null && fallback === second;
  const fallbackColumns =
    fallback === null
      ? sql`null::text as fallback_provider_id, false as fallback_hourly_done, false as fallback_daily_done`
      : sharedRow
        ? sql`fm.provider_id as fallback_provider_id,
              coalesce(f.hourly_done and f.hourly_from is not null, false) as fallback_hourly_done,
              false as fallback_daily_done`
        : sql`fm.provider_id as fallback_provider_id, coalesce(f.hourly_done, false) as fallback_hourly_done,
              coalesce(f.daily_done, false) as fallback_daily_done`;
  const fallbackJoins =
    fallback === null
      ? sql``
      : sql`left join price_history_coverage f on f.asset_id = a.id and f.source = ${fallback}
        left join asset_provider_ids fm on fm.asset_id = a.id and fm.provider = ${fallback}`;
  if (second === null) {
    return sql`${top}
      select a.id, a.coingecko_id, a.is_tracked, t.rank, c.daily_done, c.hourly_done, c.tries,
             c.completed_at, c.last_error, c.last_tried_at, null::text as daily_provider_id, ${fallbackColumns}
        from assets a
        left join top t on t.asset_id = a.id
        left join price_history_coverage c on c.asset_id = a.id and c.source = ${COINGECKO_SOURCE}
        ${fallbackJoins}
       where t.asset_id is not null or a.is_tracked`;
  }
  return sql`${top}
      select a.id, a.coingecko_id, a.is_tracked, t.rank, d.daily_done, c.hourly_done,
             greatest(c.tries, d.tries) as tries,
             case when c.hourly_done and d.daily_done then greatest(c.last_tried_at, d.last_tried_at) end as completed_at,
             ${COMBINED_LAST_ERROR} as last_error,
             greatest(c.last_tried_at, d.last_tried_at) as last_tried_at, m.provider_id as daily_provider_id,
             ${fallbackColumns}
        from assets a
        left join top t on t.asset_id = a.id
        left join price_history_coverage c on c.asset_id = a.id and c.source = ${COINGECKO_SOURCE}
        left join price_history_coverage d on d.asset_id = a.id and d.source = ${second}
        left join asset_provider_ids m on m.asset_id = a.id and m.provider = ${second}
        ${fallbackJoins}
       where t.asset_id is not null or a.is_tracked`;
}

/** One asset's coverage row, or its two rows combined as `pricedCoverage` combines them; no row when untouched. */
export function assetCoverage(assetId: string, dailySource: ProviderName | null): RawBuilder<unknown> {
  if (dailySource === null) {
    return sql`
      select daily_from, daily_to, hourly_from, hourly_to, points_inserted, tries, last_error, completed_at
        from price_history_coverage where asset_id = ${assetId}::uuid and source = ${COINGECKO_SOURCE}`;
  }
  return sql`
      select d.daily_from, d.daily_to, c.hourly_from, c.hourly_to,
             (coalesce(c.points_inserted, 0) + coalesce(d.points_inserted, 0))::int as points_inserted,
             greatest(c.tries, d.tries) as tries,
             ${COMBINED_LAST_ERROR} as last_error,
             case when c.hourly_done and d.daily_done then greatest(c.completed_at, d.completed_at) end as completed_at
        from (select ${assetId}::uuid as asset_id) a
        left join price_history_coverage c on c.asset_id = a.asset_id and c.source = ${COINGECKO_SOURCE}
        left join price_history_coverage d on d.asset_id = a.asset_id and d.source = ${dailySource}
       where c.asset_id is not null or d.asset_id is not null`;
}
