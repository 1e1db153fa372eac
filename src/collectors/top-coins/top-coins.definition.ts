import { limitLabel, type JobDefinition } from '../../jobs/job-definition.js';

export const TOP_COINS_JOB: JobDefinition = {
  key: 'top_coins_collection',
  envPrefix: 'TOP_COINS_COLLECTION',
  defaultSchedule: '0 0 0 * * *',
  defaultLimit: 100,
  limit: { min: 1, max: 10_000, nullable: false },
  dependsOn: [],
  label: (params) => limitLabel('top_coins_collection', params),
};
