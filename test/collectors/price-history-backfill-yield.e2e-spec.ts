import type { MikroORM } from '@mikro-orm/postgresql';
import type { ConfigService } from '@nestjs/config';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ScheduleYield } from '../../src/collectors/price-history-backfill/schedule-yield.js';
import type { AppConfig } from '../../src/config/app-config.js';
import type { JobSchedulerService, ScheduledJobView } from '../../src/jobs/job-scheduler.service.js';
import { createMigratedOrm, createTestDatabase, type TestDatabase } from '../support/database.js';

// Between two of the price job's slots (every 15 minutes) by more than a limiter window either side.
const NOW = new Date('2026-06-02T12:07:00Z');

const priceJob = {
  key: 'price_collection',
  enabled: true,
  schedule: '*/15 * * * *',
  nextRunAt: null,
  definition: { estimateCalls: () => 1, limit: { default: 10 } },
} as unknown as ScheduledJobView;

describe('ScheduleYield with a queued CoinGecko job (JOBS_MAX_CONCURRENT)', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await createMigratedOrm(db.url, 2);
  });
  afterAll(async () => {
    await orm.close();
    await db.drop();
  });
  beforeEach(async () => {
    await db.query('delete from job_runs');
  });

  const yieldWith = (maxConcurrent: number) =>
    new ScheduleYield(
      { describe: () => Promise.resolve([priceJob]) } as unknown as JobSchedulerService,
      orm,
      {
        get: () => ({ byKey: {}, maxConcurrent }),
      } as unknown as ConfigService<AppConfig, true>,
      { now: () => NOW },
    );

  /** A run as the runner writes it: `queued`, stamped `queued_at` by the database `ageSeconds` ago. */
  async function insertRun(jobKey: string, status: 'queued' | 'running', ageSeconds: number): Promise<void> {
    await db.query(
      `insert into job_runs (job_key, job_name, trigger, scheduled_for, status, attempts, params, started_at,
                             heartbeat_at, owner, queued_at)
       values ($1, $1, 'schedule', now() - make_interval(secs => $3), $2, 1, '{}'::jsonb, now(), now(), 'test',
               case when $2 = 'queued' then now() - make_interval(secs => $3) end)`,
      [jobKey, status, ageSeconds],
    );
  }

  it('waits and looks again for a run queued a moment ago while the cap has room', async () => {
    await insertRun('price_history_backfill', 'running', 0);
    await insertRun('price_collection', 'queued', 0);
    const decision = await yieldWith(2).decide();
    expect(decision).toEqual({ go: false, waitMs: 2000, reason: 'price_collection is queued' });
  });

  it('ends the run for a run queued past the grace period (kept out by the queue ahead of it)', async () => {
    await insertRun('price_history_backfill', 'running', 0);
    await insertRun('price_collection', 'queued', 30);
    const decision = await yieldWith(2).decide();
    expect(decision).toMatchObject({ go: false, stop: true });
  });

  it('ends the run at once when the running runs fill the cap', async () => {
    await insertRun('price_history_backfill', 'running', 0);
    await insertRun('price_collection', 'queued', 0);
    const decision = await yieldWith(1).decide();
    expect(decision).toMatchObject({
      go: false,
      stop: true,
      reason: 'price_collection is queued for a concurrency slot',
    });
  });

  it('waits while the job runs', async () => {
    await insertRun('price_collection', 'running', 0);
    expect(await yieldWith(1).decide()).toEqual({
      go: false,
      waitMs: 2000,
      reason: 'price_collection is running',
    });
  });
});
