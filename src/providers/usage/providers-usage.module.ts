import { Module } from '@nestjs/common';
import { CoinGeckoUsageModule } from '../../coingecko/usage/coingecko-usage.module.js';
import { JobsModule } from '../../jobs/jobs.module.js';
import { ProviderUsageRepository } from './provider-usage.repository.js';
import { ProviderUsageService } from './provider-usage.service.js';
import { ProvidersUsageController } from './providers-usage.controller.js';

/** `GET /api/v1/providers/usage`, and the figures the provider metrics read. */
@Module({
  imports: [JobsModule, CoinGeckoUsageModule],
  controllers: [ProvidersUsageController],
  providers: [ProviderUsageRepository, ProviderUsageService],
  exports: [ProviderUsageService],
})
export class ProvidersUsageModule {}
