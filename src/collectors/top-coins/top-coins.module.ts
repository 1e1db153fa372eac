import { AssetsModule } from '../../assets/assets.module.js';
import { CoinGeckoModule } from '../../coingecko/coingecko.module.js';
import { JobModule } from '../../jobs/framework/job-module.js';
import { ProvidersModule } from '../../providers/providers.module.js';
import { TopCoinsCollector } from './top-coins-collector.service.js';
import { TOP_COINS_JOB } from './top-coins.job.js';

@JobModule(TOP_COINS_JOB, {
  imports: [CoinGeckoModule, AssetsModule, ProvidersModule],
  providers: [TopCoinsCollector],
})
export class TopCoinsModule {}
