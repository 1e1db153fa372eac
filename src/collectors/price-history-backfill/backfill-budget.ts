import { Injectable } from '@nestjs/common';
import { CoinGeckoUsageService } from '../../coingecko/usage/coingecko-usage.service.js';
import { JobSchedulerService } from '../../jobs/job-scheduler.service.js';
import { PRICE_HISTORY_BACKFILL_JOB } from './price-history-backfill.job.js';

/**
 * What the backfill may spend this month without starving the schedule: COINGECKO_MONTHLY_CALL_BUDGET minus the
 * calls made so far (every job, every replica) minus what the other scheduled jobs are projected to make until
 * the month ends (the projection `GET /coingecko/usage` shows). The backfill's own projection is left out: it is
 * what is being decided.
 */
@Injectable()
export class BackfillBudget {
  constructor(
    private readonly usage: CoinGeckoUsageService,
    private readonly scheduler: JobSchedulerService,
  ) {}

  /** Calls left for the backfill this month; null without a budget. */
  async headroom(now: Date): Promise<number | null> {
    const budget = this.usage.monthlyBudget;
    if (budget === null) return null;
    const others = (await this.scheduler.describe()).filter(
      (job) => job.key !== PRICE_HISTORY_BACKFILL_JOB.key,
    );
    const [spent, projections] = await Promise.all([
      this.usage.monthTotal(now),
      this.usage.projectJobs(others, now),
    ]);
    let scheduled = 0;
    for (const projection of projections.values())
      scheduled += projection.callsPerRun * projection.remainingRuns;
    return Math.max(0, budget - spent - scheduled);
  }
}
