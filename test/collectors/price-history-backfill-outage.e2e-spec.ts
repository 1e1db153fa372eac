import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/config/environment.js';
import type { Clock } from '../../src/jobs/clock.js';
import type { JobResult } from '../../src/jobs/job-result.js';
import { faults } from '../fakes/coingecko-fake.js';
import { paprikaFaults } from '../fakes/coinpaprika-fake.js';
import { DUPLICATE_QUERIES, runJob, startWithPaprika, type TwoProviders } from './harness.js';

/*
 * The history backfill when CoinGecko cannot answer (an outage for the whole run, or its month's budget spent) with
 * CoinPaprika second in PRICE_PROVIDERS: the whole service on a throw-away PostgreSQL, both fakes over HTTP and one
 * clock. CoinGecko's public plan serves both ranges (30 days, the last 2 hourly), so only the outage sends them to
 * CoinPaprika. Its fake serves the free plan: hourly points of the last day, daily points of the last year.
 */
const TOKEN = 'history-outage-test-token-0123456789';
const NOW = new Date('2026-06-02T12:07:00Z');
const DAY_MS = 86_400_000;
const CHART = '/coins/{id}/market_chart/range' as const;
const HISTORICAL = '/tickers/{id}/historical' as const;
/** Far more failures than any run's retries. */
const ALWAYS = 100_000;

type Setup = TwoProviders;

const clock: Clock = { now: () => NOW };

const start = (env: Environment = {}): Promise<Setup> =>
  startWithPaprika({
    clock,
    coins: 3,
    env: {
      API_TOKENS: TOKEN,
      PRICE_COLLECTION_LIMIT: '2',
      PRICE_HISTORY_BACKFILL_ENABLED: 'true',
      PRICE_HISTORY_BACKFILL_DAYS: '30',
      PRICE_HISTORY_BACKFILL_HOURLY_DAYS: '2',
      ...env,
    },
  });

const stop = (setup: Setup | undefined): Promise<void> => setup?.close() ?? Promise.resolve();

async function run(setup: Setup, job: string, limit: number): Promise<JobResult> {
  return runJob(setup.app, job, { limit });
}

async function backfilled(setup: Setup) {
  return setup.db.query<{ source: string; n: number }>(
    `select source, count(*)::int as n from asset_prices where backfilled group by source order by source`,
  );
}

async function coverageSummary(setup: Setup) {
  const answer = await request(setup.app.getHttpServer())
    .get('/api/v1/prices/coverage')
    .set('authorization', `Bearer ${TOKEN}`)
    .expect(200);
  return answer.body as Record<string, unknown>;
}

const historicalCalls = (setup: Setup) => setup.paprika.requests.filter((r) => r.endpoint === HISTORICAL);

/** Every CoinPaprika call went out within the free plan and was answered: hourly within a day, daily within a year. */
function expectWithinFreePlan(setup: Setup): void {
  for (const call of historicalCalls(setup)) {
    const back = NOW.getTime() - Number(call.query.start) * 1000;
    expect(back).toBeLessThanOrEqual(call.query.interval === '1h' ? DAY_MS : 365 * DAY_MS);
    expect(call.status).toBe(200);
  }
}

describe('price history backfill: CoinPaprika stands in for CoinGecko', () => {
  describe('CoinGecko down', () => {
    let setup: Setup;
    beforeAll(async () => {
      setup = await start();
    });
    afterAll(() => stop(setup));
    beforeEach(() => {
      setup.gecko.reset();
      setup.paprika.reset();
    });

    it('fills both ranges from CoinPaprika within its plan, tagged coinpaprika; CoinGecko adds its own once back', async () => {
      setup.gecko.failNext(CHART, ALWAYS, faults.serverError(503));
      const result = await run(setup, 'price_history_backfill', 10);
      expect(result).toMatchObject({ success: true, status: 'succeeded' });
      const fromPaprika = (await backfilled(setup)).find((row) => row.source === 'coinpaprika')?.n ?? 0;
      expect(await backfilled(setup)).toEqual([{ source: 'coinpaprika', n: fromPaprika }]);
      // Per asset: hourly points of the last day (the free plan's reach), daily points of the 28 days before the
      // hourly window.
      expect(fromPaprika).toBeGreaterThanOrEqual(2 * (23 + 27));
      expect(fromPaprika).toBeLessThanOrEqual(2 * (25 + 29));
      expect(result.metrics.custom).toMatchObject({
        assets_checked: 2,
        assets_backfilled: 0,
        assets_failed: 0,
        assets_from_fallback: 2,
        points_inserted: fromPaprika,
        calls: 1,
        calls_by_source: { coinpaprika: 4 },
        prices_by_source: { coingecko: 0, coinpaprika: fromPaprika },
        fallback_reasons: { coingecko: expect.stringMatching(/^CoinGecko server error \(503\)/) as unknown },
      });
      // The first asset's hourly call failed after its retries; nothing more was asked of CoinGecko.
      expect(new Set(setup.gecko.requests.filter((r) => r.endpoint === CHART).map((r) => r.path)).size).toBe(
        1,
      );
      expect(
        historicalCalls(setup)
          .map((r) => r.query.interval)
          .sort(),
      ).toEqual(['1d', '1d', '1h', '1h']);
      expectWithinFreePlan(setup);

      // The stored points are CoinPaprika's own values at its own times.
      const rows = await setup.db.query<{ coin: string; at: Date; price: string }>(
        `select a.coingecko_id as coin, p.timestamp as at, p.price_usd::text as price
           from asset_prices p join assets a on a.id = p.asset_id where p.backfilled order by p.timestamp limit 5`,
      );
      for (const row of rows) {
        const expected = setup.paprika.historicalValues(row.coin, new Date(row.at).getTime());
        expect(Number(row.price)).toBeCloseTo(Number(expected?.price), 8);
      }
      // CoinGecko's history is still owed: its row is not written, the assets stay pending.
      expect(
        await setup.db.query(
          `select source, daily_done, hourly_done from price_history_coverage order by source, asset_id`,
        ),
      ).toEqual([
        { source: 'coinpaprika', daily_done: true, hourly_done: true },
        { source: 'coinpaprika', daily_done: true, hourly_done: true },
      ]);
      expect(await coverageSummary(setup)).toMatchObject({
        priced: 2,
        complete: 0,
        pending: 2,
        set_aside: 0,
      });

      // Reads answer from the fallback's points: the price of both assets twenty days ago.
      const coins = rows.map((row) => row.coin);
      const at = new Date(NOW.getTime() - 20 * DAY_MS).toISOString();
      const read = await request(setup.app.getHttpServer())
        .get('/api/v1/prices/at')
        .query({ assets: [...new Set(coins)].join(','), at, max_age: 'P1D' })
        .set('authorization', `Bearer ${TOKEN}`)
        .expect(200);
      const items = (read.body as { items: Array<{ source: string }>; missing: unknown[] }).items;
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) expect(item.source).toBe('coinpaprika');

      // Still down: CoinPaprika holds the ranges and is asked nothing; the run succeeds on what it holds.
      setup.gecko.reset();
      setup.paprika.reset();
      setup.gecko.failNext(CHART, ALWAYS, faults.serverError(503));
      const again = await run(setup, 'price_history_backfill', 10);
      expect(again).toMatchObject({ success: true });
      expect(again.metrics.custom).toMatchObject({
        assets_from_fallback: 2,
        points_inserted: 0,
        prices_by_source: { coingecko: 0, coinpaprika: 0 },
        fallback_reasons: { coingecko: expect.stringMatching(/503/) as unknown },
      });
      expect(historicalCalls(setup)).toHaveLength(0);

      // CoinGecko back: its points go in beside CoinPaprika's, which stay; coverage is complete.
      setup.gecko.reset();
      const repaired = await run(setup, 'price_history_backfill', 10);
      expect(repaired.metrics.custom).toMatchObject({
        assets_backfilled: 2,
        assets_from_fallback: 0,
        calls: 4,
        prices_by_source: { coinpaprika: 0 },
      });
      expect(repaired.metrics.custom).not.toHaveProperty('fallback_reasons');
      const sources = await backfilled(setup);
      expect(sources.map((row) => row.source)).toEqual(['coingecko', 'coinpaprika']);
      expect(sources[1]?.n).toBe(fromPaprika);
      expect(repaired.metrics.custom).toMatchObject({ prices_by_source: { coingecko: sources[0]?.n } });
      expect(await coverageSummary(setup)).toMatchObject({ priced: 2, complete: 2, pending: 0 });
      expect(historicalCalls(setup)).toHaveLength(0);
      expect(await setup.db.query(DUPLICATE_QUERIES.asset_prices)).toEqual([]);
    });

    it('both down: the run fails naming both providers and writes nothing; a later run writes each point once', async () => {
      await setup.db.query(`delete from asset_prices where backfilled`);
      await setup.db.query(`delete from price_history_coverage`);
      setup.gecko.failNext(CHART, ALWAYS, faults.serverError(503));
      setup.paprika.failNext(HISTORICAL, ALWAYS, paprikaFaults.serverError(502));
      const answer = await request(setup.app.getHttpServer())
        .post('/api/v1/jobs/backfill-price-history')
        .set('authorization', `Bearer ${TOKEN}`)
        .send({ limit: 10 });
      expect(answer.status).toBe(502);
      expect(answer.body).toMatchObject({ statusCode: 502, success: false });
      expect((answer.body as { error: string }).error).toMatch(
        /^No provider could price the assets: CoinGecko: .*503.*; CoinPaprika: .*502/,
      );
      expect(await backfilled(setup)).toEqual([]);
      // CoinPaprika failed once (after its own retries) and was asked nothing more.
      expect(new Set(historicalCalls(setup).map((r) => r.path)).size).toBe(1);
      // An outage counts no try against the assets.
      expect(await setup.db.query(`select count(*)::int as n from price_history_coverage`)).toEqual([
        { n: 0 },
      ]);

      setup.gecko.reset();
      setup.paprika.reset();
      const later = await run(setup, 'price_history_backfill', 10);
      expect(later.metrics.custom).toMatchObject({
        assets_backfilled: 2,
        prices_by_source: { coinpaprika: 0 },
      });
      expect((await backfilled(setup)).map((row) => row.source)).toEqual(['coingecko']);
      expect(await setup.db.query(DUPLICATE_QUERIES.asset_prices)).toEqual([]);
    });
  });

  describe("CoinGecko's monthly budget spent", () => {
    let setup: Setup;
    beforeAll(async () => {
      // The top coins run spends it (markets + global); the backfill finds nothing left.
      setup = await start({ COINGECKO_MONTHLY_CALL_BUDGET: '2' });
    });
    afterAll(() => stop(setup));

    it('fills the ranges from CoinPaprika and sends CoinGecko nothing', async () => {
      setup.gecko.clearRequests();
      const result = await run(setup, 'price_history_backfill', 10);
      expect(result).toMatchObject({ success: true });
      const sources = await backfilled(setup);
      expect(sources.map((row) => row.source)).toEqual(['coinpaprika']);
      // Whether the run's budget check or the client's refusal (CoinGeckoBudgetError, nothing sent) finds it spent
      // depends on when the usage count is read; either way CoinGecko is asked nothing.
      expect(result.metrics.custom).toMatchObject({
        assets_checked: 2,
        assets_from_fallback: 2,
        calls: 0,
        calls_by_source: { coinpaprika: 4 },
        prices_by_source: { coingecko: 0, coinpaprika: sources[0]?.n },
        fallback_reasons: { coingecko: expect.stringMatching(/budget/) as unknown },
      });
      expect(setup.gecko.count(CHART)).toBe(0);
      expectWithinFreePlan(setup);
    });
  });
});
