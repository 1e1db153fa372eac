import { AssetsModule } from '../../assets/assets.module.js';
import { CoinGeckoModule } from '../../coingecko/coingecko.module.js';
import { JobModule } from '../../jobs/framework/job-module.js';
import { PriceCollector } from './price-collector.service.js';
import { PRICES_JOB } from './prices.job.js';

@JobModule(PRICES_JOB, { imports: [CoinGeckoModule, AssetsModule], providers: [PriceCollector] })
export class PricesModule {}
