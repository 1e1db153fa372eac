import { Module } from '@nestjs/common';
import { CoinGeckoModule } from '../../coingecko/coingecko.module.js';
import { JobsModule } from '../../jobs/jobs.module.js';
import { ContractAddressesCollector } from './contract-addresses-collector.service.js';
import { ContractAddressesRepository } from './contract-addresses.repository.js';

@Module({
  imports: [JobsModule, CoinGeckoModule],
  providers: [ContractAddressesCollector, ContractAddressesRepository],
})
export class ContractAddressesModule {}
