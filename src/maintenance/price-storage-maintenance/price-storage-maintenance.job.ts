import { integer } from '../../config/env-vars.js';
import { defineJob } from '../../jobs/job-definition.js';

export const PRICE_STORAGE_MAINTENANCE_JOB = defineJob({
  key: 'price_storage_maintenance',
  description:
    'Creates the asset_prices monthly partitions ahead (current + 2); with PRICE_RAW_RETENTION_DAYS > 0, detaches and drops raw months older than that once both rollups cover them.',
  envPrefix: 'PRICE_STORAGE_MAINTENANCE',
  schedule: '0 15 2 * * *',
  trigger: {
    path: 'maintain-price-storage',
    summary: 'Create price partitions ahead and expire old raw months',
  },
  settings: {
    /** Days of raw 15-minute prices kept; 0 keeps them forever. The hourly and daily rollups are always kept. */
    PRICE_RAW_RETENTION_DAYS: integer({ min: 0, max: 36_500, default: 0 }),
  },
  // Database only: no upstream call.
  estimateCalls: () => 0,
});
