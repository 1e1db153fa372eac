import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from './auth/auth.module.js';
import { AppConfigModule } from './config/config.module.js';
import type { Environment } from './config/environment.js';
import { DatabaseModule } from './database/database.module.js';
import { JsonContentTypeMiddleware } from './http/json-content-type.middleware.js';
import { JobsModule } from './jobs/jobs.module.js';
import { HealthModule } from './observability/health/health.module.js';
import { LoggingModule } from './observability/logging/logging.module.js';

@Module({})
export class AppModule implements NestModule {
  /** `env` defaults to the process environment (+ `.env`); tests pass their own. */
  static forRoot(env?: Environment): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(env),
        LoggingModule,
        DatabaseModule.forRoot(),
        ScheduleModule.forRoot(),
        JobsModule,
        AuthModule,
        HealthModule,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonContentTypeMiddleware).forRoutes('*path');
  }
}
