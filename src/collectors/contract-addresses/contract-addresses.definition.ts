import { limitLabel, type JobDefinition } from '../../jobs/job-definition.js';
import { TOP_COINS_JOB } from '../top-coins/top-coins.definition.js';

export const CONTRACT_ADDRESSES_JOB: JobDefinition = {
  key: 'contract_addresses_collection',
  envPrefix: 'CONTRACT_ADDRESSES_COLLECTION',
  defaultSchedule: '0 0 1 * * *',
  defaultLimit: null,
  limit: { min: 1, max: 100_000, nullable: true },
  dependsOn: [TOP_COINS_JOB.key],
  label: (params) => limitLabel('contract_addresses_collection', params),
};
