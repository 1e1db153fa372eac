import { integer } from '../../config/env-vars.js';
import { defineJob } from '../../jobs/job-definition.js';
import { PRICES_JOB } from '../prices/prices.job.js';

export const PRICE_GAP_REPAIR_JOB = defineJob({
  key: 'price_gap_repair',
  description:
    'Refills missed price_collection slots of the lookback from /coins/{id}/market_chart/range, one call per asset with holes.',
  envPrefix: 'PRICE_GAP_REPAIR',
  schedule: '0 7 * * * *',
  limit: { default: 50, min: 1, max: 10_000, nullable: false },
  dependsOn: [PRICES_JOB],
  trigger: { path: 'repair-price-gaps', summary: 'Repair holes in the price history' },
  settings: {
    /** How far back holes are looked for (hours). */
    PRICE_GAP_REPAIR_LOOKBACK_HOURS: integer({ min: 1, max: 2160, default: 24 }),
    /** How often one hole CoinGecko could not fill is asked, in all. */
    PRICE_GAP_REPAIR_MAX_TRIES: integer({ min: 1, max: 100, default: 3 }),
  },
  // One call per asset with holes (holes older than a day can take more), never more than the limit.
  estimateCalls: ({ limit }) => limit,
});
