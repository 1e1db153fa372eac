import { CoinGeckoModule } from '../../coingecko/coingecko.module.js';
import { JobModule } from '../../jobs/framework/job-module.js';
import { PriceCollector } from './price-collector.service.js';
import { PRICES_JOB } from './prices.job.js';
import { PricesRepository } from './prices.repository.js';

@JobModule(PRICES_JOB, { imports: [CoinGeckoModule], providers: [PriceCollector, PricesRepository] })
export class PricesModule {}
