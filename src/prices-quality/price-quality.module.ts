import { Module } from '@nestjs/common';
import { PriceFlagsController } from './price-flags.controller.js';
import { PriceFlagsRepository } from './price-flags.repository.js';
import { PriceFlagsService } from './price-flags.service.js';

/** What operators see of the quality flags: `GET /prices/flags`. */
@Module({
  controllers: [PriceFlagsController],
  providers: [PriceFlagsRepository, PriceFlagsService],
})
export class PriceQualityModule {}
