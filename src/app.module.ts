import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AssetsModule } from './assets/assets.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CoinGeckoUsageApiModule } from './coingecko/usage/coingecko-usage-api.module.js';
import { ContractAddressesModule } from './collectors/contract-addresses/contract-addresses.module.js';
import { PriceGapRepairModule } from './collectors/price-gap-repair/price-gap-repair.module.js';
import { PriceHistoryBackfillModule } from './collectors/price-history-backfill/price-history-backfill.module.js';
import { PricesModule } from './collectors/prices/prices.module.js';
import { ProviderIdMappingModule } from './providers/mapping/provider-id-mapping/provider-id-mapping.module.js';
import { PriceCrossCheckModule } from './prices-quality/price-cross-check/price-cross-check.module.js';
import { TopCoinsModule } from './collectors/top-coins/top-coins.module.js';
import { AppConfigModule } from './config/config.module.js';
import type { Environment } from './config/environment.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DatabaseModule } from './database/database.module.js';
import { definitionsOf } from './jobs/framework/job-module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { HealthModule } from './observability/health/health.module.js';
import { LoggingModule, type LogStream } from './observability/logging/logging.module.js';
import { JobRunsRetentionModule } from './maintenance/job-runs-retention/job-runs-retention.module.js';
import { PriceStorageMaintenanceModule } from './maintenance/price-storage-maintenance/price-storage-maintenance.module.js';
import { MetricsModule } from './observability/metrics/metrics.module.js';
import { AlertingModule } from './observability/alerting/alerting.module.js';
import { PriceQualityModule } from './prices-quality/price-quality.module.js';
import { ProvidersModule } from './providers/providers.module.js';
import { ProvidersUsageModule } from './providers/usage/providers-usage.module.js';

/**
 * Every job the service runs: one line per job module (declared with `@JobModule`). Config variables,
 * trigger routes, Swagger, `GET /jobs`, the dashboard, metrics and the CLI all follow from this list.
 */
export const JOB_MODULES: readonly Type[] = [
  TopCoinsModule,
  PricesModule,
  ContractAddressesModule,
  PriceGapRepairModule,
  JobRunsRetentionModule,
  PriceStorageMaintenanceModule,
  PriceHistoryBackfillModule,
  ProviderIdMappingModule,
  PriceCrossCheckModule,
];

export interface AppModuleOptions {
  /** CLIs send logs to stderr so that their stdout stays their output. */
  logTo?: LogStream;
  /** The job modules to run; default JOB_MODULES (tests add their own). */
  jobs?: readonly Type[];
}

@Module({})
export class AppModule {
  /** `env` defaults to the process environment (+ `.env`); tests pass their own. */
  static forRoot(env?: Environment, options: AppModuleOptions = {}): DynamicModule {
    const jobs = options.jobs ?? JOB_MODULES;
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(env, definitionsOf(jobs)),
        LoggingModule.forRoot(options.logTo),
        DatabaseModule.forRoot(),
        ScheduleModule.forRoot(),
        JobsModule,
        AuthModule,
        AssetsModule,
        PriceQualityModule,
        HealthModule,
        MetricsModule,
        CoinGeckoUsageApiModule,
        ProvidersModule,
        ProvidersUsageModule,
        AlertingModule,
        DashboardModule,
        ...jobs,
      ],
    };
  }
}
