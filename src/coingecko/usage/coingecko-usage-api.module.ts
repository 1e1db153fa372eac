import { Inject, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import { JobSchedulerService } from '../../jobs/job-scheduler.service.js';
import { JobsModule } from '../../jobs/jobs.module.js';
import { CoinGeckoUsageController } from './coingecko-usage.controller.js';
import { CoinGeckoUsageModule } from './coingecko-usage.module.js';
import { CoinGeckoUsageService } from './coingecko-usage.service.js';

/**
 * `GET /api/v1/coingecko/usage`, and the start-up check of the schedules against the budget (schedules
 * and limits come from the environment, so start-up is when they change).
 */
@Module({
  imports: [JobsModule, CoinGeckoUsageModule],
  controllers: [CoinGeckoUsageController],
})
export class CoinGeckoUsageApiModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('CoinGeckoUsage');

  constructor(
    private readonly usage: CoinGeckoUsageService,
    private readonly scheduler: JobSchedulerService,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const budget = this.usage.monthlyBudget;
    if (budget === null) return;
    try {
      const usage = await this.usage.usage(await this.scheduler.describe(), this.clock.now());
      if (usage.projected_month_end <= budget) return;
      this.logger.warn(
        { budget, calls: usage.calls, projected: usage.projected_month_end, month: usage.month },
        `The job schedules project ${usage.projected_month_end} CoinGecko calls in ${usage.month}, over COINGECKO_MONTHLY_CALL_BUDGET=${budget} ` +
          `(${usage.calls} made so far): runs will fail once it is used up; space the schedules out or raise the budget`,
      );
    } catch (error) {
      this.logger.warn({ err: error }, "Could not project this month's CoinGecko calls against the budget");
    }
  }
}
