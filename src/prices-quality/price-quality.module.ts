import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { AlertingModule } from '../observability/alerting/alerting.module.js';
import { PriceAnomalyAlerts } from './price-anomaly-alerts.js';
import { PriceFlagsStoreModule } from './price-flags-store.module.js';
import { PriceFlagsController } from './price-flags.controller.js';
import { PriceFlagsRepository } from './price-flags.repository.js';
import { PriceFlagsService } from './price-flags.service.js';

/** What operators see of the quality flags: `GET /prices/flags` and the `price_anomaly` alerts. */
@Module({
  imports: [JobsModule, PriceFlagsStoreModule, AlertingModule],
  controllers: [PriceFlagsController],
  providers: [PriceFlagsRepository, PriceFlagsService, PriceAnomalyAlerts],
})
export class PriceQualityModule {}
