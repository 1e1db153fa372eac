import { limitLabel, type JobDefinition } from '../../jobs/job-definition.js';
import { TOP_COINS_JOB } from '../top-coins/top-coins.definition.js';

export const PRICES_JOB: JobDefinition = {
  key: 'price_collection',
  envPrefix: 'PRICE_COLLECTION',
  defaultSchedule: '0 */15 * * * *',
  defaultLimit: 100,
  limit: { min: 1, max: 10_000, nullable: false },
  dependsOn: [TOP_COINS_JOB.key],
  label: (params) => limitLabel('price_collection', params),
};
