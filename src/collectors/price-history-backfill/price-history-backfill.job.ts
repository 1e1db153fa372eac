import { integer } from '../../config/env-vars.js';
import { defineJob } from '../../jobs/job-definition.js';
import { TOP_COINS_JOB } from '../top-coins/top-coins.job.js';

/** The history the public and Demo plans may ask for (CoinGecko answers 401, error_code 10012, beyond). */
export const PUBLIC_PLAN_HISTORY_DAYS = 365;

export const PRICE_HISTORY_BACKFILL_JOB = defineJob({
  key: 'price_history_backfill',
  description:
    'Backfills a daily range (PRICE_HISTORY_BACKFILL_DAYS) and an hourly range (PRICE_HISTORY_BACKFILL_HOURLY_DAYS) ' +
    'of prices for every priced asset without full coverage, insert-only, at most two calls an asset, within the budget.',
  envPrefix: 'PRICE_HISTORY_BACKFILL',
  schedule: '0 */10 * * * *',
  limit: { default: 20, min: 1, max: 10_000, nullable: false },
  dependsOn: [TOP_COINS_JOB],
  trigger: { path: 'backfill-price-history', summary: 'Backfill the price history of priced assets' },
  settings: {
    /** Days of daily points; at most 365 on the public and Demo plans (checked at start-up). */
    PRICE_HISTORY_BACKFILL_DAYS: integer({ min: 1, max: 36_500, default: 365 }),
    /** Days of hourly points (CoinGecko's automatic granularity: hourly from 2 to 90 days; one day gives 5-minutely). */
    PRICE_HISTORY_BACKFILL_HOURLY_DAYS: integer({ min: 2, max: 90, default: 90 }),
    /** Runs in which an asset's calls may fail before it is set aside. */
    PRICE_HISTORY_BACKFILL_MAX_TRIES: integer({ min: 1, max: 100, default: 3 }),
  },
  // Two calls an asset at most; a completed asset costs nothing, so the last run's real count replaces this soon.
  // The runner resolves the limit before a run; null never reaches here for a non-nullable limit.
  estimateCalls: ({ limit }) => 2 * (limit ?? 0),
});
