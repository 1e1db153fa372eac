import { Module } from '@nestjs/common';
import { PriceFlagsWriteRepository } from './price-flags.write-repository.js';

/**
 * The write side of `price_flags` on its own, so that the price write repository (AssetsModule) can run the
 * detection without importing the routes, the alerting and the jobs that PriceQualityModule brings.
 */
@Module({
  providers: [PriceFlagsWriteRepository],
  exports: [PriceFlagsWriteRepository],
})
export class PriceFlagsStoreModule {}
