import { defineJob } from '../../jobs/job-definition.js';

export const PRICE_CROSS_CHECK_JOB = defineJob({
  key: 'price_cross_check',
  description:
    'Holds the second provider of PRICE_PROVIDERS against the first: ONE call to it (for CoinPaprika one ' +
    "GET /tickers) for the priced assets it has an id for, each compared with the preferred provider's stored " +
    'price nearest the call; differences over PRICE_DIVERGENCE_PERCENT are recorded as divergence flags. ' +
    'Does nothing (no call) with one provider.',
  envPrefix: 'PRICE_CROSS_CHECK',
  schedule: '0 5 * * * *',
  trigger: {
    path: 'cross-check-prices',
    summary: 'Cross-check the stored prices against the second provider',
  },
  // CoinGecko calls (the budget's projection): none with CoinGecko preferred, as configured by default; its one
  // call goes to the second provider.
  estimateCalls: () => 0,
});
