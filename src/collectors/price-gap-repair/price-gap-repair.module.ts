import { AssetsModule } from '../../assets/assets.module.js';
import { CoinGeckoModule } from '../../coingecko/coingecko.module.js';
import { JobModule } from '../../jobs/framework/job-module.js';
import { ProvidersModule } from '../../providers/providers.module.js';
import { PriceGapAttemptsRepository } from './price-gap-attempts.repository.js';
import { PRICE_GAP_REPAIR_JOB } from './price-gap-repair.job.js';
import { PriceGapFallback } from './price-gap-fallback.js';
import { PriceGapRepairer } from './price-gap-repairer.service.js';

@JobModule(PRICE_GAP_REPAIR_JOB, {
  imports: [CoinGeckoModule, AssetsModule, ProvidersModule],
  providers: [PriceGapRepairer, PriceGapFallback, PriceGapAttemptsRepository],
})
export class PriceGapRepairModule {}
