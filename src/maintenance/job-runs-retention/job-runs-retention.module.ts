import { JobModule } from '../../jobs/framework/job-module.js';
import { JOB_RUNS_RETENTION_JOB } from './job-runs-retention.job.js';
import { JobRunsRetentionRepository } from './job-runs-retention.repository.js';
import { JobRunsRetention } from './job-runs-retention.service.js';

@JobModule(JOB_RUNS_RETENTION_JOB, { providers: [JobRunsRetention, JobRunsRetentionRepository] })
export class JobRunsRetentionModule {}
