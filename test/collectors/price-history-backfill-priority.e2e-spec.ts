import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SchedulerRegistry } from '@nestjs/schedule';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RATE_LIMIT_MARGIN_MS } from '../../src/coingecko/coingecko.module.js';
import { CoinGeckoRateLimiter } from '../../src/coingecko/coingecko.rate-limiter.js';
import { RateLimitRepository } from '../../src/coingecko/limiter/rate-limit.repository.js';
import { SCHEDULE_YIELD_WAIT } from '../../src/collectors/price-history-backfill/schedule-yield.js';
import type { AppConfig } from '../../src/config/app-config.js';
import type { JobResult } from '../../src/jobs/job-result.js';
import { JobSchedulerService } from '../../src/jobs/job-scheduler.service.js';
import { currentRun } from '../../src/jobs/run-context.js';
import { CoinGeckoFake } from '../fakes/coingecko-fake.js';
import { QUIET_ENV, startClockedApp } from '../support/app.js';
import { runJob } from './harness.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/*
 * The backfill and a scheduled price run sharing a low per-minute limit (3) through PostgreSQL, against the
 * fake CoinGecko, on one injected time: the job clock, the limiter's clock and waits, the backfill's waits and
 * the fake's "now". Time moves only when something waits, so the limiter's decisions (and a run's duration)
 * do not depend on the machine's speed. The backfill may not wait past a barrier (the price slot) until the
 * test has run that slot: with the backfill still calling, its reservations would make the price call wait.
 */
const BACKFILL = 'price_history_backfill';
const PRICES = 'price_collection';
const WINDOW_MS = 60_000 + RATE_LIMIT_MARGIN_MS;
const BASELINE_SLOT = Date.parse('2026-06-02T12:00:00Z');
const SLOT = Date.parse('2026-06-02T12:15:00Z');

class InjectedTime {
  t = BASELINE_SLOT - 10 * 60_000;
  /** The backfill's waits stop here until `release`. */
  barrier = Number.POSITIVE_INFINITY;
  readonly blocked: (() => void)[] = [];

  readonly now = (): number => this.t;

  readonly wait = async (ms: number, signal?: AbortSignal): Promise<void> => {
    signal?.throwIfAborted();
    const due = this.t + Math.max(0, ms);
    if (currentRun()?.job === BACKFILL && due > this.barrier) {
      await new Promise<void>((resolve, reject) => {
        this.blocked.push(resolve);
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    }
    this.t = Math.max(this.t, due);
    await Promise.resolve();
  };

  release(): void {
    this.barrier = Number.POSITIVE_INFINITY;
    for (const resolve of this.blocked.splice(0)) resolve();
  }
}

describe('the backfill yields to a scheduled price run under the shared per-minute limit', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;
  let app: NestExpressApplication;
  const time = new InjectedTime();

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 10, now: () => new Date(time.t) });
    const env = {
      ...QUIET_ENV,
      DATABASE_URL: db.url,
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '3',
      COINGECKO_MAX_RETRIES: '1',
      COINGECKO_RETRY_BASE_MS: '1',
      COINGECKO_RETRY_MAX_MS: '5',
      // On its schedule (every 15 minutes) so the backfill sees its slots; the test runs the slots itself.
      PRICE_COLLECTION_ENABLED: 'true',
      PRICE_COLLECTION_LIMIT: '5',
      PRICE_HISTORY_BACKFILL_HOURLY_DAYS: '7',
    };
    app = await startClockedApp(env, {
      clock: { now: () => new Date(time.t) },
      override: (builder) =>
        builder
          .overrideProvider(SCHEDULE_YIELD_WAIT)
          .useValue(time.wait)
          .overrideProvider(CoinGeckoRateLimiter)
          .useFactory({
            inject: [ConfigService, RateLimitRepository],
            factory: (config: ConfigService<AppConfig, true>, store: RateLimitRepository) =>
              new CoinGeckoRateLimiter({
                store,
                limit: config.get('coingecko', { infer: true }).rateLimitPerMinute,
                windowMs: 60_000,
                marginMs: RATE_LIMIT_MARGIN_MS,
                monthlyBudget: null,
                now: time.now,
                wait: time.wait,
              }),
          }),
    });
    // The real cron tick must not fire a slot of its own while the test holds the time.
    await app.get(SchedulerRegistry).getCronJob(PRICES).stop();
  });

  afterAll(async () => {
    time.release();
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  async function manual(job: string, limit: number) {
    return runJob(app, job, { limit });
  }

  async function priceSlot(slot: number): Promise<JobResult> {
    time.t = Math.max(time.t, slot);
    const outcome = await app.get(JobSchedulerService).runSlot(PRICES, new Date(slot), 'schedule');
    if (outcome?.kind !== 'started') throw new Error(`the price slot did not run: ${outcome?.kind}`);
    return outcome.completion;
  }

  it("ends the price run's slot no later than without the backfill, and still completes the backfill", async () => {
    expect(await manual('top_coins_collection', 10)).toMatchObject({ success: true });

    // Without the backfill: the price run's one call goes at once.
    const alone = await priceSlot(BASELINE_SLOT);
    expect(alone).toMatchObject({ success: true, metrics: { custom: { prices_collected: 5 } } });

    // The backfill starts 150 s before the next slot: 10 calls at 3 a window would run well past it.
    time.t = SLOT - 150_000;
    time.barrier = SLOT;
    const backfill = manual(BACKFILL, 100);
    await vi.waitUntil(() => time.blocked.length > 0, { timeout: 30_000, interval: 5 });
    const backfillCallsBeforeSlot = fake.count('/coins/{id}/market_chart/range');

    const shared = await priceSlot(SLOT);
    expect(shared).toMatchObject({ success: true, metrics: { custom: { prices_collected: 5 } } });
    expect(shared.duration_ms).toBeLessThanOrEqual(alone.duration_ms);
    // The backfill took no slot in the window before the price run's: 6 calls in its first two windows.
    expect(backfillCallsBeforeSlot).toBe(6);

    time.release();
    const result = await backfill;
    expect(result).toMatchObject({ success: true });
    expect(result.metrics.custom).toMatchObject({
      assets_backfilled: 5,
      assets_pending: 0,
      calls: 10,
      deferred_for_schedule: 0,
    });
    // It waited for the window before the slot and for the price run.
    expect(result.metrics.custom.waited_for_schedule_ms).toBeGreaterThanOrEqual(WINDOW_MS);
    expect(fake.count('/coins/{id}/market_chart/range')).toBe(10);
  }, 60_000);
});
