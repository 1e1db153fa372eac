import { defineJob } from '../../jobs/job-definition.js';
import { MARKETS_PAGE_SIZE, TOP_COINS_JOB } from '../top-coins/top-coins.job.js';

export const PRICES_JOB = defineJob({
  key: 'price_collection',
  description:
    'Prices of the tracked assets (top N by latest ranking plus is_tracked) from /coins/markets?ids=, at the slot.',
  envPrefix: 'PRICE_COLLECTION',
  schedule: '0 */15 * * * *',
  limit: { default: 100, min: 1, max: 10_000, nullable: false },
  dependsOn: [TOP_COINS_JOB],
  trigger: { path: 'collect-prices', summary: 'Collect prices of the tracked assets' },
  // Batches of 250 ids; assets marked is_tracked beyond the top N can add a batch, which this ignores.
  estimateCalls: ({ limit }) => Math.ceil(limit / MARKETS_PAGE_SIZE),
});
