import { AssetsModule } from '../../assets/assets.module.js';
import { CoinGeckoModule } from '../../coingecko/coingecko.module.js';
import { abortableSleep } from '../../coingecko/coingecko.rate-limiter.js';
import { CoinGeckoUsageModule } from '../../coingecko/usage/coingecko-usage.module.js';
import { JobModule } from '../../jobs/framework/job-module.js';
import { ProvidersModule } from '../../providers/providers.module.js';
import { BackfillBudget } from './backfill-budget.js';
import { BackfillOutageFallback } from './outage-fallback.js';
import { PriceCoverageModule } from './price-coverage.module.js';
import { PRICE_HISTORY_BACKFILL_JOB } from './price-history-backfill.job.js';
import { PriceHistoryBackfiller } from './price-history-backfiller.service.js';
import { SCHEDULE_YIELD_WAIT, ScheduleYield } from './schedule-yield.js';

@JobModule(PRICE_HISTORY_BACKFILL_JOB, {
  imports: [CoinGeckoModule, AssetsModule, CoinGeckoUsageModule, PriceCoverageModule, ProvidersModule],
  providers: [
    PriceHistoryBackfiller,
    BackfillBudget,
    BackfillOutageFallback,
    ScheduleYield,
    { provide: SCHEDULE_YIELD_WAIT, useValue: abortableSleep },
  ],
})
export class PriceHistoryBackfillModule {}
