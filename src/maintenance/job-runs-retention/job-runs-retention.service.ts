import { Injectable } from '@nestjs/common';
import { JobHandler, type JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../jobs/framework/scheduled-job.js';
import type { JobMetrics } from '../../jobs/job-result.js';
import { JOB_RUNS_RETENTION_JOB } from './job-runs-retention.job.js';
import { JobRunsRetentionRepository, RETENTION_BATCH_SIZE } from './job-runs-retention.repository.js';

type Context = JobHandlerContext<typeof JOB_RUNS_RETENTION_JOB>;

/**
 * Keeps the service's own bookkeeping from growing without bound: deletes finished runs and alerts older
 * than JOB_RUNS_RETENTION_DAYS (0 keeps both forever) and trigger-throttle windows that ended more than a
 * day ago, batch after batch, until a batch comes back short. Between batches it stops when the run is
 * aborted (timeout, shutdown, cancel); what was deleted stays deleted and the next run goes on from there.
 *
 * Metrics: `items_processed` = rows deleted; custom `runs_deleted`, `alerts_deleted`, `windows_deleted`.
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
    const counts = { runs_deleted: 0, alerts_deleted: 0, windows_deleted: 0 };
    Object.assign(metrics.custom, counts);
    const drain = async (metric: keyof typeof counts, batch: () => Promise<number>): Promise<void> => {
      for (;;) {
        ctx.signal.throwIfAborted();
        const deleted = await batch();
        counts[metric] += deleted;
        metrics.custom[metric] = counts[metric];
        metrics.items_processed += deleted;
        ctx.progress(metrics.items_processed, null);
        if (deleted < RETENTION_BATCH_SIZE) return;
      }
    };
    if (days === 0) {
      ctx.logger.info({ days }, 'JOB_RUNS_RETENTION_DAYS=0: run history and alerts are kept forever');
    } else {
      await drain('runs_deleted', () => this.retention.deleteBatch({ days }));
      await drain('alerts_deleted', () => this.retention.deleteAlertsBatch({ days }));
    }
    // Throttle windows are not history: they expire a day after they ended, whatever the retention.
    await drain('windows_deleted', () => this.retention.deleteWindowsBatch());
    ctx.logger.info(
      { days, ...counts },
      `Deleted ${counts.runs_deleted} runs and ${counts.alerts_deleted} alerts older than ${days} days, ` +
        `${counts.windows_deleted} expired throttle windows`,
    );
    return metrics;
  }
}
