import { Module } from '@nestjs/common';
import { AssetsModule } from '../../assets/assets.module.js';
import { JobsModule } from '../../jobs/jobs.module.js';
import { PriceCoverageController } from './price-coverage.controller.js';
import { PriceCoverageService } from './price-coverage.service.js';

/**
 * `GET /api/v1/prices/coverage` (a separate module: job modules carry no controller). The coverage repository is
 * AssetsModule's, which the asset detail reads too.
 */
@Module({
  imports: [AssetsModule, JobsModule],
  controllers: [PriceCoverageController],
  providers: [PriceCoverageService],
  exports: [PriceCoverageService],
})
export class PriceCoverageModule {}
