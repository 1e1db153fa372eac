import { JobModule } from '../../jobs/framework/job-module.js';
import { ProvidersModule } from '../../providers/providers.module.js';
import { PriceFlagsStoreModule } from '../price-flags-store.module.js';
import { PRICE_CROSS_CHECK_JOB } from './price-cross-check.job.js';
import { PriceCrossCheckRepository } from './price-cross-check.repository.js';
import { PriceCrossChecker } from './price-cross-checker.service.js';

@JobModule(PRICE_CROSS_CHECK_JOB, {
  imports: [ProvidersModule, PriceFlagsStoreModule],
  providers: [PriceCrossChecker, PriceCrossCheckRepository],
})
export class PriceCrossCheckModule {}
