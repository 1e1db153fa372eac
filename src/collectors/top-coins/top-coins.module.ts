import { Module } from '@nestjs/common';
import { CoinGeckoModule } from '../../coingecko/coingecko.module.js';
import { JobsModule } from '../../jobs/jobs.module.js';
import { TopCoinsCollector } from './top-coins-collector.service.js';

@Module({
  imports: [JobsModule, CoinGeckoModule],
  providers: [TopCoinsCollector],
})
export class TopCoinsModule {}
