import { Module } from '@nestjs/common';
import { CoinGeckoModule } from '../../coingecko/coingecko.module.js';
import { CoinGeckoUsageModule } from '../../coingecko/usage/coingecko-usage.module.js';
import { JobsModule } from '../../jobs/jobs.module.js';
import { ProvidersModule } from '../../providers/providers.module.js';
import { ProvidersUsageModule } from '../../providers/usage/providers-usage.module.js';
import { PriceFlagsStoreModule } from '../../prices-quality/price-flags-store.module.js';
import { AlertingModule } from '../alerting/alerting.module.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

@Module({
  imports: [
    JobsModule,
    CoinGeckoModule,
    CoinGeckoUsageModule,
    ProvidersModule,
    ProvidersUsageModule,
    AlertingModule,
    PriceFlagsStoreModule,
  ],
  controllers: [MetricsController],
  providers: [MetricsService],
})
export class MetricsModule {}
