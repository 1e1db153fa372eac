import { Inject, Injectable } from '@nestjs/common';
import { PricePartitions } from '../../assets/storage/price-partitions.repository.js';
import { MONTHS_AHEAD, monthsFrom } from '../../assets/storage/price-months.js';
import { JobHandler, type JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../jobs/framework/scheduled-job.js';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import type { JobMetrics } from '../../jobs/job-result.js';
import { PRICE_STORAGE_MAINTENANCE_JOB } from './price-storage-maintenance.job.js';

type Context = JobHandlerContext<typeof PRICE_STORAGE_MAINTENANCE_JOB>;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Keeps `asset_prices` in shape: its partitions exist ahead of the writes (the current month plus the next two),
 * and with PRICE_RAW_RETENTION_DAYS > 0 a raw month that ended more than that many days ago goes whole —
 * detached and dropped, never deleted row by row — once the hourly and daily rollups hold every one of its
 * buckets. A month the rollups do not fully cover is kept and named in the log; it is never dropped.
 *
 * Metrics: `items_processed` = partitions looked at; custom `partitions_created`, `partitions_dropped`,
 * `rows_expired`, `partitions_kept_uncovered`.
 */
@Injectable()
export class PriceStorageMaintenance extends ScheduledJob(PRICE_STORAGE_MAINTENANCE_JOB) {
  constructor(
    private readonly partitions: PricePartitions,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {
    super();
  }

  @JobHandler(PRICE_STORAGE_MAINTENANCE_JOB)
  async maintain(ctx: Context): Promise<JobMetrics> {
    const { metrics } = ctx;
    const custom = metrics.custom;
    const now = this.clock.now();
    const created = await this.partitions.ensureMonths(monthsFrom(now, MONTHS_AHEAD));
    Object.assign(custom, {
      partitions_created: created.length,
      partitions_dropped: 0,
      rows_expired: 0,
      partitions_kept_uncovered: 0,
    });
    metrics.items_created = created.length;
    if (created.length > 0)
      ctx.logger.info({ partitions: created }, `Created partitions ${created.join(', ')}`);

    const days = ctx.settings.PRICE_RAW_RETENTION_DAYS;
    const existing = await this.partitions.list();
    metrics.items_processed = existing.length;
    if (days === 0) return metrics;

    const cutoff = new Date(now.getTime() - days * DAY_MS);
    for (const month of existing.filter((m) => m.to.getTime() <= cutoff.getTime())) {
      ctx.signal.throwIfAborted();
      const coverage = await this.partitions.coverage(month);
      if (coverage.missingHourly > 0 || coverage.missingDaily > 0) {
        custom.partitions_kept_uncovered = Number(custom.partitions_kept_uncovered) + 1;
        metrics.items_skipped += 1;
        ctx.logger.warn(
          { partition: month.name, ...coverage },
          `Kept ${month.name}: ${coverage.missingHourly} hourly and ${coverage.missingDaily} daily bucket(s) are missing from the rollups`,
        );
        continue;
      }
      const rows = await this.partitions.drop(month);
      custom.partitions_dropped = Number(custom.partitions_dropped) + 1;
      custom.rows_expired = Number(custom.rows_expired) + rows;
      metrics.items_updated += 1;
      ctx.logger.info(
        { partition: month.name, rows, days },
        `Dropped ${month.name} (${rows} raw rows older than ${days} days; its rollups are kept)`,
      );
    }
    return metrics;
  }
}
