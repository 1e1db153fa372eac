import { Module } from '@nestjs/common';
import { CoinGeckoModule } from '../../coingecko/coingecko.module.js';
import { CoinGeckoUsageModule } from '../../coingecko/usage/coingecko-usage.module.js';
import { JobsModule } from '../../jobs/jobs.module.js';
import { AlertingModule } from '../alerting/alerting.module.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

@Module({
  imports: [JobsModule, CoinGeckoModule, CoinGeckoUsageModule, AlertingModule],
  controllers: [MetricsController],
  providers: [MetricsService],
})
export class MetricsModule {}
