import { AssetsModule } from '../../assets/assets.module.js';
import { CoinGeckoModule } from '../../coingecko/coingecko.module.js';
import { JobModule } from '../../jobs/framework/job-module.js';
import { ContractAddressesCollector } from './contract-addresses-collector.service.js';
import { CONTRACT_ADDRESSES_JOB } from './contract-addresses.job.js';

@JobModule(CONTRACT_ADDRESSES_JOB, {
  imports: [CoinGeckoModule, AssetsModule],
  providers: [ContractAddressesCollector],
})
export class ContractAddressesModule {}
