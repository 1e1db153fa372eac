import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PinoLogger } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { JOB_CLOCK, systemClock } from './clock.js';
import { JobRegistry } from './job-registry.js';
import { JOB_RUNNER_SETTINGS, JOBS_LOGGER, JobRunnerService } from './job-runner.service.js';
import { JobRunsRepository } from './job-runs.repository.js';
import { JobSchedulerService, type SchedulerSettings } from './job-scheduler.service.js';
import { JobsController } from './jobs.controller.js';
import { JobsService } from './jobs.service.js';

@Module({
  controllers: [JobsController],
  providers: [
    JobsService,
    JobRunsRepository,
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
  exports: [JobRunnerService, JobRegistry, JobSchedulerService, JobRunsRepository],
})
export class JobsModule {}
