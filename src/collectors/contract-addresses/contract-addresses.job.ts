import { integer } from '../../config/env-vars.js';
import { defineJob } from '../../jobs/job-definition.js';
import { TOP_COINS_JOB } from '../top-coins/top-coins.job.js';

export const CONTRACT_ADDRESSES_JOB = defineJob({
  key: 'contract_addresses_collection',
  description:
    'Contract addresses of known assets from one /coins/list?include_platform=true call, plus missing token decimals.',
  envPrefix: 'CONTRACT_ADDRESSES_COLLECTION',
  schedule: '0 0 1 * * *',
  limit: { default: null, min: 1, max: 100_000, nullable: true },
  dependsOn: [TOP_COINS_JOB],
  trigger: { path: 'collect-contract-addresses', summary: 'Collect contract addresses of known assets' },
  settings: {
    /** `/coins/{id}` calls a run may spend on token decimals (0 = none). */
    CONTRACT_ADDRESSES_DECIMALS_PER_RUN: integer({ min: 0, max: 10_000, default: 50 }),
  },
  // The coin list is one call; decimals cost one call each, at most DECIMALS_PER_RUN.
  estimateCalls: (_params, settings) => 1 + settings.CONTRACT_ADDRESSES_DECIMALS_PER_RUN,
});
