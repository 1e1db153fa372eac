import { AssetsModule } from '../../assets/assets.module.js';
import { JobModule } from '../../jobs/framework/job-module.js';
import { ProvidersModule } from '../../providers/providers.module.js';
import { PriceCollector } from './price-collector.service.js';
import { PRICES_JOB } from './prices.job.js';

@JobModule(PRICES_JOB, { imports: [ProvidersModule, AssetsModule], providers: [PriceCollector] })
export class PricesModule {}
