import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRICES_JOB } from '../../src/collectors/prices/prices.job.js';
import { TOP_COINS_JOB } from '../../src/collectors/top-coins/top-coins.job.js';
import { AuthModule } from '../../src/auth/auth.module.js';
import { AppConfigModule } from '../../src/config/config.module.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { JOB_CLOCK } from '../../src/jobs/clock.js';
import { JobHandler } from '../../src/jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../src/jobs/framework/scheduled-job.js';
import { JOBS_LOGGER } from '../../src/jobs/job-runner.service.js';
import { JobRunsReadRepository } from '../../src/jobs/history/job-runs.read-repository.js';
import { JobSchedulerService } from '../../src/jobs/job-scheduler.service.js';
import { JobsModule } from '../../src/jobs/jobs.module.js';
import { LoggingModule } from '../../src/observability/logging/logging.module.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { memoryLogger } from '../support/jobs.js';

let now = new Date('2026-05-10T01:00:00Z');
let topCoinsRuns = 0;

/** Stand in for the collectors: the same ScheduledJob tick and `@JobHandler` shape, jobs that only count. */
@Injectable()
class StandInTopCoins extends ScheduledJob(TOP_COINS_JOB) {
  @JobHandler(TOP_COINS_JOB)
  async collectTopCoins(): Promise<void> {
    topCoinsRuns += 1;
  }
}

@Injectable()
class StandInPrices extends ScheduledJob(PRICES_JOB) {
  @JobHandler(PRICES_JOB)
  async collectPrices(): Promise<void> {}
}

describe('scheduling from config', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  const memory = memoryLogger();

  beforeAll(async () => {
    db = await createTestDatabase();
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(
          {
            DATABASE_URL: db.url,
            LOG_LEVEL: 'silent',
            JOBS_CATCH_UP: 'false',
            TOP_COINS_COLLECTION_SCHEDULE: '0 30 2 * * *',
            PRICE_COLLECTION_ENABLED: 'false',
            CONTRACT_ADDRESSES_COLLECTION_ENABLED: 'false',
          },
          [TOP_COINS_JOB, PRICES_JOB],
        ),
        LoggingModule.forRoot(),
        DatabaseModule.forRoot(),
        ScheduleModule.forRoot(),
        JobsModule,
        AuthModule,
      ],
      providers: [StandInTopCoins, StandInPrices],
    })
      .overrideProvider(JOBS_LOGGER)
      .useValue(memory.logger)
      .overrideProvider(JOB_CLOCK)
      .useValue({ now: () => now })
      .compile();
    app = moduleRef;
    await app.init();
    await app.get(JobSchedulerService).start();
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('applies <PREFIX>_SCHEDULE to the @Cron job (UTC) and starts it', () => {
    const tick = app.get(SchedulerRegistry).getCronJob(TOP_COINS_JOB.key);
    expect(tick.cronTime.source).toBe('0 30 2 * * *');
    expect(tick.isActive).toBe(true);
    expect(tick.nextDate().toUTC().toISO()).toMatch(/T02:30:00\.000Z$/);
  });

  it('does not register disabled jobs', () => {
    expect(app.get(SchedulerRegistry).doesExist('cron', PRICES_JOB.key)).toBe(false);
  });

  it("logs each job's effective schedule and next run time", () => {
    const messages = memory.records.map((record) => record.msg);
    expect(messages).toContain(
      'Job top_coins_collection scheduled "0 30 2 * * *" (UTC), next run at 2026-05-10T02:30:00.000Z',
    );
    expect(messages).toContain(
      'Job price_collection is disabled (PRICE_COLLECTION_ENABLED=false): not scheduled',
    );
  });

  it('turns a tick into a run of the slot it belongs to, once', async () => {
    now = new Date('2026-05-10T02:29:59.600Z');
    const topCoins = app.get(StandInTopCoins);
    await Promise.all([topCoins.tick(), topCoins.tick()]);
    expect(topCoinsRuns).toBe(1);
    const rows = await db.query(`select trigger, scheduled_for, status, job_name from job_runs`);
    expect(rows).toEqual([
      {
        trigger: 'schedule',
        scheduled_for: expect.anything() as unknown,
        status: 'succeeded',
        job_name: 'top_coins_collection(limit=100)',
      },
    ]);
    expect(new Date(rows[0].scheduled_for as string).toISOString()).toBe('2026-05-10T02:30:00.000Z');
  });

  it('describes each job: enabled, effective schedule, next run, last run', async () => {
    now = new Date('2026-05-10T03:00:00Z');
    const jobs = await app.get(JobSchedulerService).describe();
    expect(
      jobs.map((job) => ({
        key: job.key,
        enabled: job.enabled,
        schedule: job.schedule,
        next: job.nextRunAt?.toISOString() ?? null,
      })),
    ).toEqual([
      {
        key: 'top_coins_collection',
        enabled: true,
        schedule: '0 30 2 * * *',
        next: '2026-05-11T02:30:00.000Z',
      },
      { key: 'price_collection', enabled: false, schedule: '0 */15 * * * *', next: null },
    ]);
    const latest = await app.get(JobRunsReadRepository).latestPerJob(jobs.map((job) => job.key));
    expect(latest.get('top_coins_collection')?.status).toBe('succeeded');
    expect(latest.has('price_collection')).toBe(false);
  });
});
