import { integer } from '../../config/env-vars.js';
import { defineJob } from '../../jobs/job-definition.js';

export const JOB_RUNS_RETENTION_JOB = defineJob({
  key: 'job_runs_retention',
  description:
    'Deletes finished runs older than JOB_RUNS_RETENTION_DAYS in batches, keeping running and queued runs and each job’s latest success.',
  envPrefix: 'JOB_RUNS_RETENTION',
  schedule: '0 30 3 * * *',
  trigger: { path: 'prune-job-runs', summary: 'Delete run history older than the retention' },
  settings: {
    /** Days of run history kept; 0 keeps it forever. */
    JOB_RUNS_RETENTION_DAYS: integer({ min: 0, max: 36_500, default: 90 }),
  },
  // Database only: no CoinGecko call.
  estimateCalls: () => 0,
});
