import { Module } from '@nestjs/common';
import { CoinGeckoUsageRepository } from './coingecko-usage.repository.js';
import { CoinGeckoUsageService } from './coingecko-usage.service.js';

/** The month's CoinGecko calls and their projection, for GET /jobs, `/metrics` and the usage route. */
@Module({
  providers: [CoinGeckoUsageRepository, CoinGeckoUsageService],
  // The repository too: its month total is read by limiter key, for every provider's usage.
  exports: [CoinGeckoUsageService, CoinGeckoUsageRepository],
})
export class CoinGeckoUsageModule {}
