import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/bootstrap.js';
import { type Clock } from '../../src/jobs/clock.js';
import type { JobResult } from '../../src/jobs/job-result.js';
import { faults, type CoinGeckoFake } from '../fakes/coingecko-fake.js';
import { paprikaFaults, type CoinPaprikaFake } from '../fakes/coinpaprika-fake.js';
import type { TestDatabase } from '../support/database.js';
import { DUPLICATE_QUERIES, mapToPaprika, runJob, startWithPaprika, type TwoProviders } from './harness.js';

/*
 * The history backfill with a daily range CoinGecko's public plan cannot serve (730 days; it serves 365): the hourly
 * range still comes from CoinGecko, the daily one from CoinPaprika's starter plan (five years of daily points), each
 * recorded in its own coverage row. One clock for the jobs, CoinPaprika's plan reach and both fakes.
 */
const TOKEN = 'history-fallback-test-token-0123456789';
const NOW = new Date('2026-06-02T12:07:00Z');
const DAY_MS = 86_400_000;
const KEY = 'paprika-starter-key-0123456789';
const CHART = '/coins/{id}/market_chart/range';
const HISTORICAL = '/tickers/{id}/historical';
/** Far more failures than any run's retries. */
const ALWAYS = 100_000;

describe('price history backfill: the daily range from the next provider', () => {
  let setup: TwoProviders;
  let db: TestDatabase;
  let gecko: CoinGeckoFake;
  let paprika: CoinPaprikaFake;
  let app: NestExpressApplication;
  const clock: Clock = { now: () => NOW };

  async function run(job: string, limit: number): Promise<JobResult> {
    return runJob(app, job, { limit });
  }

  beforeAll(async () => {
    setup = await startWithPaprika({
      clock,
      coins: 3,
      plan: 'starter',
      apiKey: KEY,
      env: {
        API_TOKENS: TOKEN,
        PRICE_COLLECTION_LIMIT: '2',
        PRICE_HISTORY_BACKFILL_ENABLED: 'true',
        PRICE_HISTORY_BACKFILL_DAYS: '730',
        PRICE_HISTORY_BACKFILL_HOURLY_DAYS: '2',
      },
    });
    ({ db, gecko, paprika, app } = setup);
  });

  afterAll(() => setup?.close());

  it('asks CoinGecko for the hourly range and CoinPaprika for the daily one, each coverage row by its source', async () => {
    const result = await run('price_history_backfill', 10);
    expect(result).toMatchObject({ success: true });
    const points = await db.query<{ source: string; n: number }>(
      `select source, count(*)::int as n from asset_prices where backfilled group by source order by source`,
    );
    expect(points.map((row) => row.source)).toEqual(['coingecko', 'coinpaprika']);
    const fromPaprika = points.find((row) => row.source === 'coinpaprika')?.n ?? 0;
    // Two assets, one daily point a day from 730 days back to the hourly window.
    expect(fromPaprika).toBeGreaterThanOrEqual(2 * 727);
    expect(fromPaprika).toBeLessThanOrEqual(2 * 729);
    expect(result.metrics.custom).toMatchObject({
      assets_checked: 2,
      assets_backfilled: 2,
      assets_pending: 0,
      calls: 2,
      calls_by_source: { coinpaprika: 2 },
      prices_by_source: { coinpaprika: fromPaprika },
    });

    // CoinGecko was asked only within its plan: the hourly range of two days.
    const chartCalls = gecko.requests.filter((r) => r.endpoint === CHART);
    expect(chartCalls).toHaveLength(2);
    for (const call of chartCalls) {
      expect(NOW.getTime() - Number(call.query.from) * 1000).toBeLessThanOrEqual(2 * DAY_MS);
      expect(call.status).toBe(200);
    }
    // CoinPaprika: one daily call per asset, within its starter plan's five years, answered.
    const historical = paprika.requests.filter((r) => r.endpoint === HISTORICAL);
    expect(historical).toHaveLength(2);
    for (const call of historical) {
      expect(call.query.interval).toBe('1d');
      expect(Math.round((NOW.getTime() - Number(call.query.start) * 1000) / DAY_MS)).toBe(730);
      expect(Number(call.query.end) * 1000).toBeLessThanOrEqual(NOW.getTime() - 2 * DAY_MS + 3_600_000);
      expect(call.status).toBe(200);
    }

    const coverage = await db.query<{ source: string; daily: boolean; hourly: boolean; complete: boolean }>(
      `select source, daily_done as daily, hourly_done as hourly, completed_at is not null as complete
         from price_history_coverage order by source`,
    );
    expect(coverage).toEqual([
      { source: 'coingecko', daily: true, hourly: true, complete: true },
      { source: 'coingecko', daily: true, hourly: true, complete: true },
      { source: 'coinpaprika', daily: true, hourly: true, complete: true },
      { source: 'coinpaprika', daily: true, hourly: true, complete: true },
    ]);
    const summary = await request(app.getHttpServer())
      .get('/api/v1/prices/coverage')
      .set('authorization', `Bearer ${TOKEN}`)
      .expect(200);
    expect(summary.body).toMatchObject({ priced: 2, complete: 2, pending: 0, set_aside: 0, percent: 100 });
    expect(await db.query(DUPLICATE_QUERIES.asset_prices)).toEqual([]);

    // An asset's detail shows the two rows together: the daily range from CoinPaprika's, the hourly one from CoinGecko's.
    const [asset] = await db.query<{ id: string; points: number }>(
      `select asset_id as id, sum(points_inserted)::int as points from price_history_coverage
        group by asset_id order by asset_id limit 1`,
    );
    const detail = await request(app.getHttpServer())
      .get(`/api/v1/assets/${asset.id}`)
      .set('authorization', `Bearer ${TOKEN}`)
      .expect(200);
    const detailCoverage = (detail.body as { coverage: Record<string, string | number | null> }).coverage;
    expect(detailCoverage).toMatchObject({
      status: 'complete',
      tries: 0,
      last_error: null,
      points_inserted: asset.points,
    });
    const daysBack = (at: string | number | null) => (NOW.getTime() - Date.parse(String(at))) / DAY_MS;
    expect(Math.round(daysBack(detailCoverage.daily_from))).toBe(730);
    expect(Math.round(daysBack(detailCoverage.hourly_from))).toBe(2);
    expect(Date.parse(String(detailCoverage.daily_to))).toBeLessThan(
      Date.parse(String(detailCoverage.hourly_from)),
    );
    expect(detailCoverage.completed_at).not.toBeNull();

    // Done: a second run asks neither provider.
    gecko.reset();
    paprika.reset();
    const again = await run('price_history_backfill', 10);
    expect(again.metrics.custom).toMatchObject({ assets_checked: 0, calls: 0 });
    expect(gecko.count(CHART)).toBe(0);
    expect(paprika.count(HISTORICAL)).toBe(0);
  });

  it('an asset without a CoinPaprika id waits for the mapping: no try, no place in the run, still pending', async () => {
    const [asset] = await db.query<{ id: string }>(`select id from assets order by coingecko_id limit 1`);
    await db.query(`delete from price_history_coverage where asset_id = $1 and source = 'coinpaprika'`, [
      asset.id,
    ]);
    await db.query(`delete from asset_provider_ids where asset_id = $1`, [asset.id]);
    paprika.reset();
    const result = await run('price_history_backfill', 10);
    expect(result.metrics.custom).toMatchObject({ assets_checked: 0, assets_pending: 1 });
    expect(paprika.count(HISTORICAL)).toBe(0);
    const summary = await request(app.getHttpServer())
      .get('/api/v1/prices/coverage')
      .set('authorization', `Bearer ${TOKEN}`)
      .expect(200);
    expect(summary.body).toMatchObject({ priced: 2, complete: 1, pending: 1, set_aside: 0 });
  });

  it('CoinGecko down: CoinPaprika gives the hourly range too; with both down the run fails naming both', async () => {
    const fresh = async () => {
      await db.query(`delete from asset_prices where backfilled`);
      await db.query(`delete from price_history_coverage`);
      await db.query(`delete from asset_provider_ids`);
      await mapToPaprika(db, paprika);
      gecko.reset();
      paprika.reset();
    };
    await fresh();
    gecko.failNext(CHART, ALWAYS, faults.serverError(503));
    const result = await run('price_history_backfill', 10);
    expect(result).toMatchObject({ success: true });
    expect(result.metrics.custom).toMatchObject({
      assets_checked: 2,
      assets_backfilled: 0,
      assets_from_fallback: 2,
      calls: 1,
      calls_by_source: { coinpaprika: 4 },
      fallback_reasons: { coingecko: expect.stringMatching(/503/) as unknown },
    });
    const historical = paprika.requests.filter((r) => r.endpoint === HISTORICAL);
    // The starter plan serves 5-minute points of the last week: one an hour is kept, as for the hourly range.
    expect(historical.map((r) => r.query.interval).sort()).toEqual(['1d', '1d', '5m', '5m']);
    // CoinPaprika's row holds both ranges with points; CoinGecko's hourly range is still owed.
    expect(
      await db.query(
        `select source, hourly_from is not null as hourly, daily_from is not null as daily from price_history_coverage`,
      ),
    ).toEqual([
      { source: 'coinpaprika', hourly: true, daily: true },
      { source: 'coinpaprika', hourly: true, daily: true },
    ]);

    const hourly = await db.query<{ n: number; apart: boolean }>(
      `select count(*)::int as n, bool_and(gap >= interval '1 hour') as apart from (
         select timestamp - lag(timestamp) over (partition by asset_id order by timestamp) as gap from asset_prices
          where backfilled and timestamp > $1) t where gap is not null`,
      [new Date(NOW.getTime() - 2 * DAY_MS + 3_600_000).toISOString()],
    );
    expect(hourly[0]?.apart).toBe(true);
    expect(hourly[0]?.n).toBeGreaterThanOrEqual(2 * 45);
    expect(hourly[0]?.n).toBeLessThanOrEqual(2 * 48);

    // Still down: CoinPaprika holds both ranges and is asked nothing.
    gecko.reset();
    paprika.reset();
    gecko.failNext(CHART, ALWAYS, faults.serverError(503));
    const again = await run('price_history_backfill', 10);
    expect(again).toMatchObject({ success: true });
    expect(again.metrics.custom).toMatchObject({ assets_from_fallback: 2, points_inserted: 0 });
    expect(paprika.count(HISTORICAL)).toBe(0);

    await fresh();
    gecko.failNext(CHART, ALWAYS, faults.serverError(503));
    paprika.failNext(HISTORICAL, ALWAYS, paprikaFaults.serverError(502));
    const failed = await run('price_history_backfill', 10);
    expect(failed).toMatchObject({ success: false });
    expect(failed.error).toMatch(
      /^No provider could price the assets: CoinGecko: .*503.*; CoinPaprika: .*502/,
    );
    expect(await db.query(`select count(*)::int as n from asset_prices where backfilled`)).toEqual([
      { n: 0 },
    ]);
    // CoinPaprika failed once, after its retries, and was asked nothing more: not the daily range either.
    expect(new Set(paprika.requests.filter((r) => r.endpoint === HISTORICAL).map((r) => r.path)).size).toBe(
      1,
    );
  });

  it("refuses to start when CoinPaprika's plan cannot serve the range either, naming both", async () => {
    await expect(
      createApp({ ...setup.env, COINPAPRIKA_API_PLAN: 'free', COINPAPRIKA_API_KEY: '' }, {}).then(
        ({ app: other }) => other.close(),
      ),
    ).rejects.toThrow(
      /PRICE_HISTORY_BACKFILL_DAYS=730: the "public" CoinGecko plan serves only the last 365 days.*CoinPaprika's "free" plan/,
    );
  });
});
