import { Module } from '@nestjs/common';
import { CoinGeckoModule } from '../../coingecko/coingecko.module.js';
import { JobsModule } from '../../jobs/jobs.module.js';
import { PriceCollector } from './price-collector.service.js';
import { PricesRepository } from './prices.repository.js';

@Module({
  imports: [JobsModule, CoinGeckoModule],
  providers: [PriceCollector, PricesRepository],
})
export class PricesModule {}
