import { Injectable } from '@nestjs/common';
import { JobHandler, type JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../jobs/framework/scheduled-job.js';
import type { JobMetrics } from '../../jobs/job-result.js';
import { JOB_RUNS_RETENTION_JOB } from './job-runs-retention.job.js';
import { JobRunsRetentionRepository, RETENTION_BATCH_SIZE } from './job-runs-retention.repository.js';

type Context = JobHandlerContext<typeof JOB_RUNS_RETENTION_JOB>;

/**
 * Keeps `job_runs` from growing without bound: deletes finished runs older than JOB_RUNS_RETENTION_DAYS,
 * batch after batch, until a batch comes back short. Between batches it stops when the run is aborted
 * (timeout, shutdown, cancel); what was deleted stays deleted and the next run goes on from there.
 *
 * Metrics: `items_processed` = runs deleted; custom `runs_deleted`.
 */
@Injectable()
export class JobRunsRetention extends ScheduledJob(JOB_RUNS_RETENTION_JOB) {
  constructor(private readonly retention: JobRunsRetentionRepository) {
    super();
  }

  @JobHandler(JOB_RUNS_RETENTION_JOB)
  async prune(ctx: Context): Promise<JobMetrics> {
    const days = ctx.settings.JOB_RUNS_RETENTION_DAYS;
    const { metrics } = ctx;
    metrics.custom.runs_deleted = 0;
    if (days === 0) {
      ctx.logger.info({ days }, 'JOB_RUNS_RETENTION_DAYS=0: run history is kept forever');
      return metrics;
    }
    let deleted = 0;
    for (;;) {
      ctx.signal.throwIfAborted();
      const batch = await this.retention.deleteBatch({ days });
      deleted += batch;
      metrics.items_processed = deleted;
      metrics.custom.runs_deleted = deleted;
      ctx.progress(deleted, null);
      if (batch < RETENTION_BATCH_SIZE) break;
    }
    ctx.logger.info({ days, deleted }, `Deleted ${deleted} runs older than ${days} days`);
    return metrics;
  }
}
