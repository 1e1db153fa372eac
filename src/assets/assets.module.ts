import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { AssetsController } from './assets.controller.js';
import { AssetsRepository } from './assets.repository.js';
import { AssetsService } from './assets.service.js';
import { ContractsController } from './contracts.controller.js';
import { PriceGapsRepository } from './price-gaps.repository.js';
import { PriceGapsService } from './price-gaps.service.js';
import { PriceReadsRepository } from './prices/price-reads.repository.js';
import { PriceReadsService } from './prices/price-reads.service.js';
import { PriceSources } from './prices/price-sources.js';
import { PriceSeriesController } from './prices/price-series.controller.js';
import { PricesAtController } from './prices/prices-at.controller.js';
import { RankingsController } from './rankings.controller.js';
import { ProviderIdsModule } from '../providers/mapping/provider-ids.module.js';
import { AssetsWriteRepository } from './write/assets.write-repository.js';
import { ContractsWriteRepository } from './write/contracts.write-repository.js';
import { PricePartitionsAhead } from './storage/price-partitions-ahead.js';
import { PricePartitions } from './storage/price-partitions.repository.js';
import { PricesWriteRepository } from './write/prices.write-repository.js';
import { PriceFlagsStoreModule } from '../prices-quality/price-flags-store.module.js';

import { PriceHistoryCoverageRepository } from '../collectors/price-history-backfill/price-history-coverage.repository.js';

const WRITE_REPOSITORIES = [
  AssetsWriteRepository,
  PricesWriteRepository,
  ContractsWriteRepository,
  PriceGapsRepository,
  PriceGapsService,
  PricePartitions,
];

/**
 * The read API over collected data (`/assets`, `/assets/{id}/prices/series`, `/prices/at`, `/rankings`, `/contracts`)
 * and `PATCH /assets/{id}`,
 * and the write repositories the collectors store it with.
 */
@Module({
  // JobsModule for the jobs' clock: price_gaps_24h counts the slots expected up to its "now".
  // PriceFlagsStoreModule: every raw price write flags the spikes and freezes around it.
  // ProviderIdsModule: the asset's provider ids in GET/PATCH /assets/{id}.
  imports: [JobsModule, PriceFlagsStoreModule, ProviderIdsModule],
  controllers: [
    AssetsController,
    RankingsController,
    ContractsController,
    PriceSeriesController,
    PricesAtController,
  ],
  providers: [
    AssetsService,
    AssetsRepository,
    PriceReadsRepository,
    PriceReadsService,
    PriceSources,
    PricePartitionsAhead,
    PriceHistoryCoverageRepository,
    ...WRITE_REPOSITORIES,
  ],
  // PriceSources: the backfill's coverage reads the latest ranking in the price job's order of sources.
  // PriceHistoryCoverageRepository: one instance for the asset detail, the coverage route and the backfill.
  exports: [...WRITE_REPOSITORIES, PriceSources, PriceHistoryCoverageRepository],
})
export class AssetsModule {}
