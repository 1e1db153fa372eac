import { Module } from '@nestjs/common';
import { CoinGeckoUsageRepository } from './coingecko-usage.repository.js';
import { CoinGeckoUsageService } from './coingecko-usage.service.js';

/** The month's CoinGecko calls and their projection, for GET /jobs, `/metrics` and the usage route. */
@Module({
  providers: [CoinGeckoUsageRepository, CoinGeckoUsageService],
  exports: [CoinGeckoUsageService],
})
export class CoinGeckoUsageModule {}
