import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/bootstrap.js';
import type { Environment } from '../../src/config/environment.js';
import type { Clock } from '../../src/jobs/clock.js';
import type { JobResult } from '../../src/jobs/job-result.js';
import { JobRunnerService } from '../../src/jobs/job-runner.service.js';
import { CoinGeckoFake, TIME_RANGE_REFUSAL } from '../fakes/coingecko-fake.js';
import { CHART_OFFSET_MS } from '../fakes/market-chart.js';
import { QUIET_ENV, startClockedApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createPricePartitions } from '../support/price-partitions.js';
import { DUPLICATE_QUERIES } from './harness.js';

/*
 * The history backfill end to end: the whole service on a throw-away database, the fake CoinGecko over HTTP,
 * one clock (JOB_CLOCK and the fake's "now"). 100 priced assets: the top 10 of the ranking plus 90 tracked ones.
 */
const TOKEN = 'history-backfill-test-token-0123456789';
const NOW = new Date('2026-06-02T12:07:00Z');
const DAY_MS = 86_400_000;
const CHART = '/coins/{id}/market_chart/range' as const;
const id = (rank: number) => `coin-${String(rank).padStart(5, '0')}`;

describe('price history backfill', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;
  const clock: Clock = { now: () => NOW };
  const apps: NestExpressApplication[] = [];

  async function start(env: Environment): Promise<NestExpressApplication> {
    const app = await startClockedApp(env, { clock });
    apps.push(app);
    return app;
  }

  const baseEnv = (): Environment => ({
    ...QUIET_ENV,
    DATABASE_URL: db.url,
    API_TOKENS: TOKEN,
    COINGECKO_BASE_URL: fake.url,
    COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
    COINGECKO_MAX_RETRIES: '1',
    COINGECKO_RETRY_BASE_MS: '1',
    COINGECKO_RETRY_MAX_MS: '5',
    PRICE_COLLECTION_LIMIT: '10',
    PRICE_HISTORY_BACKFILL_ENABLED: 'true',
    // A week of hourly points instead of 90 days keeps 100 assets at ~50k rows (the spec's runtime); the daily
    // range still reaches back the full 365 days (history-points.spec.ts checks the default ranges).
    PRICE_HISTORY_BACKFILL_HOURLY_DAYS: '7',
  });

  async function run(app: NestExpressApplication, job: string, limit?: number): Promise<JobResult> {
    const outcome = await app
      .get(JobRunnerService)
      .run({ job, trigger: 'manual', params: { limit: limit ?? null } });
    if (outcome.kind !== 'started') throw new Error(`${job} did not start: ${outcome.kind}`);
    return outcome.completion;
  }

  const chartCalls = () => fake.requests.filter((r) => r.endpoint === CHART);
  const assetId = async (coin: string) =>
    (await db.query<{ id: string }>(`select id from assets where coingecko_id = $1`, [coin]))[0].id;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 120, now: () => NOW });
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await fake?.stop();
    await db?.drop();
  });

  it('refuses to start on the public plan with PRICE_HISTORY_BACKFILL_DAYS over 365, naming the limit', async () => {
    await expect(
      createApp({ ...baseEnv(), PRICE_HISTORY_BACKFILL_DAYS: '400' }, {}).then(({ app }) => app.close()),
    ).rejects.toThrow(
      /PRICE_HISTORY_BACKFILL_DAYS=400: the "public" CoinGecko plan serves only the last 365 days/,
    );
  });

  it('the fake refuses a range reaching past 365 days on the public host with 401 / 10012', async () => {
    const from = Math.floor((NOW.getTime() - 366 * DAY_MS) / 1000);
    const to = Math.floor(NOW.getTime() / 1000);
    const answer = await fetch(
      `${fake.url}/coins/${id(1)}/market_chart/range?vs_currency=usd&from=${from}&to=${to}`,
    );
    expect(answer.status).toBe(401);
    expect(await answer.json()).toEqual(TIME_RANGE_REFUSAL);
    fake.reset();
  });

  describe('with no budget', () => {
    let app: NestExpressApplication;
    const collected = new Map<string, string>();

    beforeAll(async () => {
      app = await start(baseEnv());
      expect(await run(app, 'top_coins_collection', 120)).toMatchObject({ success: true });
      await db.query(`update assets set is_tracked = true where coingecko_id = any($1)`, [
        Array.from({ length: 90 }, (_, index) => id(31 + index)),
      ]);
      expect(await run(app, 'price_collection', 10)).toMatchObject({ success: true });
      // Collected rows at times the backfill's answers hold: a daily sample (00:00 UTC) and an hourly one.
      const coin = await assetId(id(1));
      const daily = new Date(Date.UTC(2026, 0, 10));
      const hourly = new Date(Date.UTC(2026, 4, 20, 7) + CHART_OFFSET_MS.hourly);
      await createPricePartitions(db, '2026-01-01T00:00:00Z', '2026-05-31T00:00:00Z');
      await db.query(
        `insert into asset_prices (asset_id, timestamp, source, price_usd, market_cap_usd, volume_24h_usd, change_percent_24h)
         values ($1, $2, 'coingecko', 123.456, 1, 2, 3), ($1, $3, 'coingecko', 654.321, null, null, null)`,
        [coin, daily.toISOString(), hourly.toISOString()],
      );
      const rows = await db.query<{ key: string; row: string }>(
        `select (asset_id, timestamp)::text as key, (p.*)::text || xmin::text as row from asset_prices p`,
      );
      for (const row of rows) collected.set(row.key, row.row);
      fake.reset();
    });

    it('backfills 100 newly tracked assets with at most 200 calls, tracked first; coverage 100 %; a rerun calls nothing', async () => {
      const result = await run(app, 'price_history_backfill', 100);
      expect(result).toMatchObject({ success: true, job_name: 'price_history_backfill(limit=100)' });
      expect(result.metrics.custom).toMatchObject({
        assets_checked: 100,
        assets_backfilled: 100,
        assets_pending: 0,
        calls: 200,
        deferred_for_budget: 0,
      });
      expect(chartCalls()).toHaveLength(200);
      // Tracked (newly added) assets first, then the ranked ones.
      expect(chartCalls()[0].path).toBe(`/coins/${id(31)}/market_chart/range`);
      expect(chartCalls().at(-1)?.path).toBe(`/coins/${id(10)}/market_chart/range`);
      for (const call of chartCalls()) {
        expect(NOW.getTime() / 1000 - Number(call.query.from)).toBeLessThanOrEqual(365 * 86_400);
      }

      const coverage = await request(app.getHttpServer())
        .get('/api/v1/prices/coverage')
        .set('authorization', `Bearer ${TOKEN}`)
        .expect(200);
      expect(coverage.body).toMatchObject({
        priced: 100,
        complete: 100,
        pending: 0,
        set_aside: 0,
        percent: 100,
      });
      expect((coverage.body as { runs_needed: number }).runs_needed).toBe(0);

      // The rollups and the series route show a year.
      const [span] = await db.query<{ assets: number; min_days: number }>(
        `select count(*)::int as assets, min(days)::int as min_days from (
           select asset_id, count(*) as days from asset_prices_daily group by asset_id) d`,
      );
      expect(span.assets).toBe(100);
      expect(span.min_days).toBeGreaterThanOrEqual(364);
      const series = await request(app.getHttpServer())
        .get(`/api/v1/assets/${await assetId(id(40))}/prices/series`)
        .query({
          from: new Date(NOW.getTime() - 366 * DAY_MS).toISOString(),
          to: NOW.toISOString(),
          interval: '1d',
        })
        .set('authorization', `Bearer ${TOKEN}`)
        .expect(200);
      expect((series.body as { points: unknown[] }).points.length).toBeGreaterThanOrEqual(364);
      const detail = await request(app.getHttpServer())
        .get(`/api/v1/assets/${await assetId(id(40))}`)
        .set('authorization', `Bearer ${TOKEN}`)
        .expect(200);
      expect(detail.body).toMatchObject({ coverage: { status: 'complete', tries: 0, last_error: null } });

      // Hourly points keep CoinGecko's sample times (not on the hour); backfilled rows are marked.
      const [marks] = await db.query<{ unaligned: number; collected_marked: number }>(
        `select count(*) filter (where backfilled and extract(minute from timestamp) = 13)::int as unaligned,
                count(*) filter (where backfilled and timestamp >= $1)::int as collected_marked
           from asset_prices`,
        [new Date(NOW.getTime() - 60_000).toISOString()],
      );
      expect(marks.unaligned).toBeGreaterThan(100 * 160);
      expect(marks.collected_marked).toBe(0);
      expect(await db.query(DUPLICATE_QUERIES.asset_prices)).toEqual([]);

      fake.reset();
      const again = await run(app, 'price_history_backfill', 100);
      expect(again.metrics.custom).toMatchObject({ assets_checked: 0, calls: 0, points_inserted: 0 });
      expect(chartCalls()).toHaveLength(0);
      // 100 assets' year of daily and 90 days of hourly points through the real write (rollups, flag checks): 18 s
      // on a quiet 2-core machine, past a minute when the whole suite shares it.
    }, 240_000);

    it('leaves collected rows byte-for-byte unchanged', async () => {
      const rows = await db.query<{ key: string; row: string }>(
        `select (asset_id, timestamp)::text as key, (p.*)::text || xmin::text as row from asset_prices p
          where not backfilled`,
      );
      expect(new Map(rows.map((row) => [row.key, row.row]))).toEqual(collected);
    });

    it('a run stopped mid-way is resumed by the next: no range fetched twice but the one in flight, no duplicate', async () => {
      await db.query(`update assets set is_tracked = true where coingecko_id = any($1)`, [
        Array.from({ length: 5 }, (_, index) => id(21 + index)),
      ]);
      fake.reset();
      fake.latencyMs = 20;
      const runner = app.get(JobRunnerService);
      const outcome = await runner.run({
        job: 'price_history_backfill',
        trigger: 'manual',
        params: { limit: 100 },
      });
      if (outcome.kind !== 'started') throw new Error(outcome.kind);
      // Stopped (its signal aborts the request in flight, as a kill would) once the 3rd asset's first call is sent.
      await vi.waitUntil(() => chartCalls().length >= 5, { timeout: 20_000, interval: 2 });
      await runner.cancel(outcome.run.id, 'test');
      expect(await outcome.completion).toMatchObject({ success: false, status: 'cancelled' });
      const key = (call: { path: string; query: Record<string, string> }) =>
        `${call.path}?from=${call.query.from}`;
      const first = chartCalls().map(key);
      expect(first.length).toBeLessThan(10);

      fake.reset();
      expect(await run(app, 'price_history_backfill', 100)).toMatchObject({ success: true });
      const second = chartCalls().map(key);
      expect(second.filter((call) => first.includes(call)).length).toBeLessThanOrEqual(1);
      expect(new Set([...first, ...second]).size).toBe(10);
      expect(await db.query(DUPLICATE_QUERIES.asset_prices)).toEqual([]);
    });

    it('sets an asset aside after PRICE_HISTORY_BACKFILL_MAX_TRIES failed runs and shows it with its error', async () => {
      const gone = id(121);
      await db.query(
        `insert into assets (id, coingecko_id, symbol, name, asset_type, is_active, is_tracked, created_at, updated_at)
         values (gen_random_uuid(), $1, 'GONE', 'Gone', 'cryptocurrency', true, true, now(), now())`,
        [gone],
      );
      fake.reset();
      for (let attempt = 1; attempt <= 4; attempt++) {
        const result = await run(app, 'price_history_backfill', 100);
        expect(result.success).toBe(true);
      }
      // Three tries (one call each), then set aside: the fourth run does not ask.
      expect(chartCalls().map((call) => call.path)).toEqual(
        Array(3).fill(`/coins/${gone}/market_chart/range`),
      );
      const coverage = await request(app.getHttpServer())
        .get('/api/v1/prices/coverage')
        .set('authorization', `Bearer ${TOKEN}`)
        .expect(200);
      expect(coverage.body).toMatchObject({ priced: 106, complete: 105, pending: 0, set_aside: 1 });
      const setAside = (
        coverage.body as { set_aside_assets: { coingecko_id: string; tries: number; last_error: string }[] }
      ).set_aside_assets;
      expect(setAside.map((asset) => [asset.coingecko_id, asset.tries])).toEqual([[gone, 3]]);
      expect(setAside[0].last_error).toContain('404');
    });
  });

  describe('with a nearly spent budget', () => {
    it('defers before its first asset and spends nothing', async () => {
      await db.query(`update assets set is_tracked = true where coingecko_id = $1`, [id(30)]);
      await db.query(`delete from price_history_coverage where asset_id = $1`, [await assetId(id(30))]);
      // price_collection on its 15-minute schedule projects about 2,700 calls for the rest of June.
      const app = await start({
        ...baseEnv(),
        COINGECKO_MONTHLY_CALL_BUDGET: '2500',
        PRICE_COLLECTION_ENABLED: 'true',
      });
      fake.reset();
      const result = await run(app, 'price_history_backfill', 100);
      expect(result).toMatchObject({ success: true });
      expect(result.metrics.custom).toMatchObject({ deferred_for_budget: 1, calls: 0, assets_checked: 0 });
      expect(chartCalls()).toHaveLength(0);
    });
  });
});
