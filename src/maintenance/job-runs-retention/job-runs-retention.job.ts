import { integer } from '../../config/env-vars.js';
import { defineJob } from '../../jobs/job-definition.js';

export const JOB_RUNS_RETENTION_JOB = defineJob({
  key: 'job_runs_retention',
  description:
    'Deletes finished runs and alerts older than JOB_RUNS_RETENTION_DAYS in batches (keeping running and queued runs, each job’s latest success and its latest alert episode) and trigger-throttle windows that ended over a day ago.',
  envPrefix: 'JOB_RUNS_RETENTION',
  schedule: '0 30 3 * * *',
  trigger: { path: 'prune-job-runs', summary: 'Delete run history older than the retention' },
  settings: {
    /** Days of run history and alerts kept; 0 keeps them forever. */
    JOB_RUNS_RETENTION_DAYS: integer({ min: 0, max: 36_500, default: 90 }),
  },
  // Database only: no CoinGecko call.
  estimateCalls: () => 0,
});
