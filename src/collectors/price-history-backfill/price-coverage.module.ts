import { Module } from '@nestjs/common';
import { AssetsModule } from '../../assets/assets.module.js';
import { JobsModule } from '../../jobs/jobs.module.js';
import { PriceCoverageController } from './price-coverage.controller.js';
import { PriceCoverageService } from './price-coverage.service.js';
import { PriceHistoryCoverageRepository } from './price-history-coverage.repository.js';

/** `GET /api/v1/prices/coverage` and the coverage of one asset (a separate module: job modules carry no controller). */
@Module({
  imports: [AssetsModule, JobsModule],
  controllers: [PriceCoverageController],
  providers: [PriceHistoryCoverageRepository, PriceCoverageService],
  exports: [PriceHistoryCoverageRepository, PriceCoverageService],
})
export class PriceCoverageModule {}
