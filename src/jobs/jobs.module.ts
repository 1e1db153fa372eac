import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { PinoLogger } from 'nestjs-pino';
import { CoinGeckoUsageModule } from '../coingecko/usage/coingecko-usage.module.js';
import type { AppConfig } from '../config/app-config.js';
import { JOB_CLOCK, systemClock } from './clock.js';
import { JobDiscovery } from './framework/job-discovery.js';
import { JobTriggers } from './framework/trigger-controller.js';
import { JobHealthService } from './job-health.js';
import { JobRegistry } from './job-registry.js';
import { JOB_RUNNER_SETTINGS, JOBS_LOGGER, JobRunnerService } from './job-runner.service.js';
import { JobRunsReadRepository } from './history/job-runs.read-repository.js';
import { JobRunsRepository } from './job-runs.repository.js';
import { ConcurrencySlotsRepository } from './runner/concurrency-slots.repository.js';
import { JobSchedulerService, type SchedulerSettings } from './job-scheduler.service.js';
import { JobsController } from './jobs.controller.js';
import { JobsService } from './jobs.service.js';

/**
 * The jobs framework: registry, runner, scheduler, run history and the routes over them. Each job's
 * module (`@JobModule`) imports it; the trigger routes are generated per job from its definition.
 */
@Module({
  imports: [DiscoveryModule, CoinGeckoUsageModule],
  controllers: [JobsController],
  providers: [
    JobDiscovery,
    JobTriggers,
    JobsService,
    JobHealthService,
    JobRunsRepository,
    JobRunsReadRepository,
    ConcurrencySlotsRepository,
    JobRegistry,
    JobRunnerService,
    JobSchedulerService,
    { provide: JOB_CLOCK, useValue: systemClock },
    {
      provide: JOB_RUNNER_SETTINGS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): SchedulerSettings => {
        const jobs = config.get('jobs', { infer: true });
        return {
          maxAttempts: jobs.maxAttempts,
          retryBaseMs: jobs.retryBaseMs,
          retryMaxMs: jobs.retryMaxMs,
          heartbeatMs: jobs.heartbeatMs,
          staleAfterMs: jobs.staleAfterMs,
          shutdownTimeoutMs: jobs.shutdownTimeoutMs,
          maxConcurrent: jobs.maxConcurrent,
          queueTimeoutMs: jobs.queueTimeoutMs,
          catchUp: jobs.catchUp,
          byKey: jobs.byKey,
        };
      },
    },
    {
      provide: JOBS_LOGGER,
      // Injecting PinoLogger makes sure nestjs-pino has built the root logger before it is read.
      inject: [PinoLogger],
      useFactory: () => PinoLogger.root,
    },
  ],
  exports: [
    JobRunnerService,
    JobRegistry,
    JobSchedulerService,
    JobRunsRepository,
    JobRunsReadRepository,
    JobTriggers,
    JOB_CLOCK,
  ],
})
export class JobsModule {}
