import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AssetsModule } from './assets/assets.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ContractAddressesModule } from './collectors/contract-addresses/contract-addresses.module.js';
import { PricesModule } from './collectors/prices/prices.module.js';
import { TopCoinsModule } from './collectors/top-coins/top-coins.module.js';
import { AppConfigModule } from './config/config.module.js';
import type { Environment } from './config/environment.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DatabaseModule } from './database/database.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { HealthModule } from './observability/health/health.module.js';
import { LoggingModule, type LogStream } from './observability/logging/logging.module.js';
import { MetricsModule } from './observability/metrics/metrics.module.js';

@Module({})
export class AppModule {
  /**
   * `env` defaults to the process environment (+ `.env`); tests pass their own. CLIs send logs to
   * stderr so that their stdout stays their output.
   */
  static forRoot(env?: Environment, options: { logTo?: LogStream } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(env),
        LoggingModule.forRoot(options.logTo),
        DatabaseModule.forRoot(),
        ScheduleModule.forRoot(),
        JobsModule,
        AuthModule,
        AssetsModule,
        HealthModule,
        MetricsModule,
        DashboardModule,
        // One line per job: each collector module registers its job and its @Cron tick.
        TopCoinsModule,
        PricesModule,
        ContractAddressesModule,
      ],
    };
  }
}
