import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock } from '../../src/jobs/clock.js';
import type { JobResult } from '../../src/jobs/job-result.js';
import { CoinGeckoFake, TIME_RANGE_REFUSAL } from '../fakes/coingecko-fake.js';
import { startClockedApp } from '../support/app.js';
import { runJob } from './harness.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/*
 * An asset the backfill sets aside shows CoinGecko's own words in GET /prices/coverage. The fake's clock runs two
 * days ahead of the service's, so the service's 365-day daily range starts before the fake's window and the fake
 * refuses it the way the public API does: 401 with the recorded nested body (error_code 10012).
 */
const TOKEN = 'history-refusal-test-token-0123456789';
const NOW = new Date('2026-06-02T12:07:00Z');
const AHEAD = new Date(NOW.getTime() + 2 * 86_400_000);
const CHART = '/coins/{id}/market_chart/range';

describe('price history backfill: an upstream refusal', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;
  let app: NestExpressApplication;
  const clock: Clock = { now: () => NOW };

  async function run(job: string, limit: number): Promise<JobResult> {
    return runJob(app, job, { limit });
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 3, now: () => AHEAD });
    app = await startClockedApp(
      {
        DATABASE_URL: db.url,
        API_TOKENS: TOKEN,
        COINGECKO_BASE_URL: fake.url,
        COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
        COINGECKO_MAX_RETRIES: '1',
        COINGECKO_RETRY_BASE_MS: '1',
        COINGECKO_RETRY_MAX_MS: '5',
        PRICE_COLLECTION_LIMIT: '1',
        PRICE_HISTORY_BACKFILL_ENABLED: 'true',
        PRICE_HISTORY_BACKFILL_HOURLY_DAYS: '2',
        PRICE_HISTORY_BACKFILL_MAX_TRIES: '1',
      },
      { clock },
    );
    expect(await run('top_coins_collection', 3)).toMatchObject({ success: true });
    fake.reset();
  });

  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  it("sets the asset aside with CoinGecko's error_code and error_message, no key advice", async () => {
    const result = await run('price_history_backfill', 10);
    expect(result).toMatchObject({ success: true });
    expect(result.metrics.custom).toMatchObject({ assets_checked: 1, assets_backfilled: 0, calls: 2 });
    // The hourly range is served, the daily one refused with the recorded body.
    expect(fake.requests.filter((r) => r.endpoint === CHART).map((r) => r.status)).toEqual([200, 401]);

    const coverage = await request(app.getHttpServer())
      .get('/api/v1/prices/coverage')
      .set('authorization', `Bearer ${TOKEN}`)
      .expect(200);
    expect(coverage.body).toMatchObject({ priced: 1, complete: 0, set_aside: 1 });
    const [asset] = (coverage.body as { set_aside_assets: { coingecko_id: string; last_error: string }[] })
      .set_aside_assets;
    const { error_code, error_message } = TIME_RANGE_REFUSAL.error.status;
    expect(asset.last_error).toBe(
      `CoinGecko rejected /coins/${asset.coingecko_id}/market_chart/range (401): ${error_code} ${error_message.trim()}`,
    );
    expect(asset.last_error).toContain('10012 Your request exceeds the allowed time range.');
    expect(asset.last_error).not.toContain('COINGECKO_API_KEY');
  });
});
