import { defineJob } from '../../jobs/job-definition.js';

/** CoinGecko answers `/coins/markets` in pages of at most 250 coins. */
export const MARKETS_PAGE_SIZE = 250;

export const TOP_COINS_JOB = defineJob({
  key: 'top_coins_collection',
  description: 'Top N coins by market cap from /coins/markets: upserts assets and the day’s rankings.',
  envPrefix: 'TOP_COINS_COLLECTION',
  schedule: '0 0 0 * * *',
  limit: { default: 100, min: 1, max: 10_000, nullable: false },
  trigger: { path: 'collect-top-coins', summary: 'Collect the top coins by market cap' },
  // One call per page of coins, plus /global for the total market cap (dominance).
  estimateCalls: ({ limit }) => Math.ceil(limit / MARKETS_PAGE_SIZE) + 1,
});
