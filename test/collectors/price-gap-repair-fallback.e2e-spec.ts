import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/config/environment.js';
import type { Clock } from '../../src/jobs/clock.js';
import type { JobResult } from '../../src/jobs/job-result.js';
import { faults } from '../fakes/coingecko-fake.js';
import { paprikaFaults } from '../fakes/coinpaprika-fake.js';
import { createPricePartitions } from '../support/price-partitions.js';
import { DUPLICATE_QUERIES, runJob, startWithPaprika, type TwoProviders } from './harness.js';

/*
 * Gap repair with CoinPaprika as the fallback, end to end: the whole service on a throw-away PostgreSQL, both
 * fakes over HTTP and one clock (the jobs' JOB_CLOCK, CoinPaprika's plan reach and both fakes' "now"). The
 * CoinPaprika fake serves the free plan: hourly points of the last day, nothing finer, daily points beyond.
 */
const TOKEN = 'gap-fallback-test-token-0123456789';
const NOW = new Date('2026-06-02T12:07:00Z');
const SLOT_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;
const CHART = '/coins/{id}/market_chart/range' as const;
const HISTORICAL = '/tickers/{id}/historical' as const;
/** Far more failures than any run's retries. */
const ALWAYS = 100_000;

const id = (rank: number) => `coin-${String(rank).padStart(5, '0')}`;

interface Setup extends TwoProviders {
  assetIds: Record<string, string>;
}

const clock: Clock = { now: () => NOW };

async function start(env: Environment = {}): Promise<Setup> {
  const started = await startWithPaprika({
    clock,
    coins: 30,
    topCoins: 10,
    env: {
      API_TOKENS: TOKEN,
      COINGECKO_MAX_RETRIES: '2',
      // Enabled in the config only: holes are judged against its schedule; no timer runs here.
      PRICE_COLLECTION_ENABLED: 'true',
      PRICE_COLLECTION_LIMIT: '10',
      PRICE_GAP_REPAIR_ENABLED: 'true',
      PRICE_GAP_REPAIR_LOOKBACK_HOURS: '72',
      ...env,
    },
  });
  const rows = await started.db.query<{ id: string; coingecko_id: string }>(
    `select id, coingecko_id from assets`,
  );
  return { ...started, assetIds: Object.fromEntries(rows.map((row) => [row.coingecko_id, row.id])) };
}

const stop = (setup: Setup | undefined): Promise<void> => setup?.close() ?? Promise.resolve();

async function run(setup: Setup, job: string, limit: number): Promise<JobResult> {
  return runJob(setup.app, job, { limit });
}

/** Full CoinGecko history of the top 10 from 2026-05-31 11:00 to 12:00 today, then `coin`'s holes punched. */
async function seed(setup: Setup, holes: Array<[string, string, number]>): Promise<Date[]> {
  const { db } = setup;
  await db.query(`delete from asset_prices`);
  await db.query(`delete from price_gap_attempts`);
  await createPricePartitions(db, '2026-05-01T00:00:00Z', '2026-06-30T00:00:00Z');
  await db.query(
    `insert into asset_prices (asset_id, timestamp, source, price_usd, market_cap_usd, volume_24h_usd, change_percent_24h)
     select r.asset_id, t, 'coingecko', 1.5, 1000, 10, 0.5
       from asset_rankings r
      cross join generate_series('2026-05-31T11:00:00Z'::timestamptz, '2026-06-02T12:00:00Z', '15 minutes') t
      where r.rank <= 10`,
  );
  const punched: Date[] = [];
  for (const [coin, first, count] of holes) {
    const slots = Array.from({ length: count }, (_, n) => new Date(Date.parse(first) + n * SLOT_MS));
    await db.query(`delete from asset_prices where asset_id = $1 and timestamp = any($2::timestamptz[])`, [
      setup.assetIds[coin],
      slots.map((slot) => slot.toISOString()),
    ]);
    punched.push(...slots);
  }
  return punched;
}

async function rowsAt(setup: Setup, coin: string, slots: readonly Date[]) {
  return setup.db.query<{ ts: string; source: string; price: string; cap: string | null }>(
    `select to_char(timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') as ts, source, price_usd::text as price,
            market_cap_usd::text as cap
       from asset_prices where asset_id = $1 and timestamp = any($2::timestamptz[]) order by timestamp, source`,
    [setup.assetIds[coin], slots.map((slot) => slot.toISOString())],
  );
}

/** What the free plan's hourly answer puts at `slot`: the nearest hourly point, the earlier one on a tie. */
async function expectedFromPaprika(setup: Setup, coin: string, slot: Date) {
  const nearest = Math.round((slot.getTime() - 1) / HOUR_MS) * HOUR_MS;
  const values = setup.paprika.historicalValues(coin, nearest);
  const [row] = await setup.db.query<{ price: string; cap: string }>(
    `select $1::numeric::text as price, $2::numeric::text as cap`,
    [values?.price, values?.marketCap],
  );
  return { ts: slot.toISOString().slice(0, 16) + 'Z', source: 'coinpaprika', ...row };
}

const historicalCalls = (setup: Setup) => setup.paprika.requests.filter((r) => r.endpoint === HISTORICAL);

describe('price gap repair falls back to CoinPaprika', () => {
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

    it("fills the holes from CoinPaprika's hourly history, rows tagged coinpaprika; CoinGecko is asked once", async () => {
      const punched = await seed(setup, [
        [id(3), '2026-06-02T09:00:00Z', 4],
        [id(5), '2026-06-01T13:15:00Z', 2],
      ]);
      const [three, five] = [punched.slice(0, 4), punched.slice(4)];
      setup.gecko.failNext(CHART, ALWAYS, faults.serverError(503));

      const result = await run(setup, 'price_gap_repair', 50);
      expect(result).toMatchObject({ success: true, status: 'succeeded' });
      expect(result.metrics).toMatchObject({
        items_created: 6,
        items_skipped: 0,
        custom: {
          assets_with_gaps: 2,
          slots_missing: 6,
          slots_filled: 6,
          slots_unfillable: 0,
          calls: 3,
          prices_by_source: { coingecko: 0, coinpaprika: 6 },
          fallback_reasons: { coingecko: expect.stringMatching(/CoinGecko server error \(503\)/) as unknown },
        },
      });
      // The first asset's call failed after its retries; the second asset was not asked of CoinGecko at all.
      expect(new Set(setup.gecko.requests.filter((r) => r.endpoint === CHART).map((r) => r.path))).toEqual(
        new Set([`/coins/${id(3)}/market_chart/range`]),
      );
      expect(historicalCalls(setup).map((r) => [r.path, r.query.interval])).toEqual([
        [`/tickers/${setup.paprika.idOf(id(3))}/historical`, '1h'],
        [`/tickers/${setup.paprika.idOf(id(5))}/historical`, '1h'],
      ]);
      expect(await rowsAt(setup, id(3), three)).toEqual(
        await Promise.all(three.map((slot) => expectedFromPaprika(setup, id(3), slot))),
      );
      expect(await rowsAt(setup, id(5), five)).toEqual(
        await Promise.all(five.map((slot) => expectedFromPaprika(setup, id(5), slot))),
      );

      // Still down: the fallback rows stand, CoinPaprika is not asked for slots it already filled.
      setup.paprika.reset();
      const again = await run(setup, 'price_gap_repair', 50);
      expect(again.metrics.custom).toMatchObject({
        slots_missing: 6,
        slots_filled: 0,
        prices_by_source: { coingecko: 0, coinpaprika: 0 },
      });
      expect(historicalCalls(setup)).toHaveLength(0);

      // CoinGecko back: its rows go beside the fallback rows, which stay.
      setup.gecko.reset();
      const repaired = await run(setup, 'price_gap_repair', 50);
      expect(repaired.metrics.custom).toMatchObject({
        slots_filled: 6,
        prices_by_source: { coingecko: 6, coinpaprika: 0 },
      });
      expect(repaired.metrics.custom).not.toHaveProperty('fallback_reasons');
      const sources = await setup.db.query<{ source: string; n: number }>(
        `select source, count(*)::int as n from asset_prices
          where (asset_id = $1 and timestamp = any($2::timestamptz[]))
             or (asset_id = $3 and timestamp = any($4::timestamptz[]))
          group by source order by source`,
        [
          setup.assetIds[id(3)],
          three.map((slot) => slot.toISOString()),
          setup.assetIds[id(5)],
          five.map((slot) => slot.toISOString()),
        ],
      );
      expect(sources).toEqual([
        { source: 'coingecko', n: 6 },
        { source: 'coinpaprika', n: 6 },
      ]);
      expect(await setup.db.query(DUPLICATE_QUERIES.asset_prices)).toEqual([]);
    });

    it('asks CoinPaprika only within its plan: a hole older than a day (free plan: daily points only) stays a hole', async () => {
      const recent = await seed(setup, [
        [id(2), '2026-06-02T11:00:00Z', 1],
        [id(4), '2026-05-31T20:00:00Z', 2],
      ]);
      setup.gecko.failNext(CHART, ALWAYS, faults.serverError(503));
      const result = await run(setup, 'price_gap_repair', 50);
      expect(result.metrics.custom).toMatchObject({
        slots_missing: 3,
        slots_filled: 1,
        prices_by_source: { coingecko: 0, coinpaprika: 1 },
      });
      // One CoinPaprika call, hourly, starting within the free plan's day of hourly points.
      const calls = historicalCalls(setup);
      expect(calls.map((r) => r.path)).toEqual([`/tickers/${setup.paprika.idOf(id(2))}/historical`]);
      for (const call of calls) {
        expect(call.query.interval).toBe('1h');
        expect(NOW.getTime() - Number(call.query.start) * 1000).toBeLessThanOrEqual(86_400_000);
        expect(call.status).toBe(200);
      }
      expect(await rowsAt(setup, id(2), recent.slice(0, 1))).toEqual([
        await expectedFromPaprika(setup, id(2), recent[0]),
      ]);
      expect(await rowsAt(setup, id(4), recent.slice(1))).toEqual([]);
      // An outage is not a try: the old hole is asked again once CoinGecko answers.
      expect(await setup.db.query(`select count(*)::int as n from price_gap_attempts`)).toEqual([{ n: 0 }]);
    });

    it('an asset without a CoinPaprika id keeps its holes; the run fails with CoinGecko’s error when nothing could be filled', async () => {
      await seed(setup, [[id(6), '2026-06-02T10:00:00Z', 2]]);
      await setup.db.query(`delete from asset_provider_ids where asset_id = $1`, [setup.assetIds[id(6)]]);
      setup.gecko.failNext(CHART, ALWAYS, faults.serverError(503));
      try {
        const answer = await request(setup.app.getHttpServer())
          .post('/api/v1/jobs/repair-price-gaps')
          .set('authorization', `Bearer ${TOKEN}`)
          .send({ limit: 50 });
        expect(answer.status).toBe(502);
        expect((answer.body as { error: string }).error).toMatch(/^CoinGecko server error \(503\)/);
        expect(historicalCalls(setup)).toHaveLength(0);
      } finally {
        await setup.db.query(
          `insert into asset_provider_ids (asset_id, provider, provider_id, matched_by) values ($1, 'coinpaprika', $2, 'rule')`,
          [setup.assetIds[id(6)], setup.paprika.idOf(id(6))],
        );
      }
    });

    it('both down: the run fails naming both providers, writes nothing; a later run writes each slot once', async () => {
      const holes = await seed(setup, [[id(7), '2026-06-02T08:00:00Z', 3]]);
      setup.gecko.failNext(CHART, ALWAYS, faults.serverError(503));
      setup.paprika.failNext(HISTORICAL, ALWAYS, paprikaFaults.serverError(502));
      const answer = await request(setup.app.getHttpServer())
        .post('/api/v1/jobs/repair-price-gaps')
        .set('authorization', `Bearer ${TOKEN}`)
        .send({ limit: 50 });
      expect(answer.status).toBe(502);
      expect(answer.body).toMatchObject({ statusCode: 502, success: false });
      expect((answer.body as { error: string }).error).toMatch(
        /^No provider could price the assets: CoinGecko: .*503.*; CoinPaprika: .*502/,
      );
      expect(await rowsAt(setup, id(7), holes)).toEqual([]);

      setup.gecko.reset();
      setup.paprika.reset();
      expect((await run(setup, 'price_gap_repair', 50)).metrics.custom).toMatchObject({
        slots_filled: 3,
        prices_by_source: { coingecko: 3, coinpaprika: 0 },
      });
      expect((await rowsAt(setup, id(7), holes)).map((row) => row.source)).toEqual([
        'coingecko',
        'coingecko',
        'coingecko',
      ]);
      expect(historicalCalls(setup)).toHaveLength(0);
      expect(await setup.db.query(DUPLICATE_QUERIES.asset_prices)).toEqual([]);
    });
  });

  describe("CoinGecko's monthly budget spent", () => {
    let setup: Setup;
    beforeAll(async () => {
      // The top coins run spends it (markets + global); the repair finds it used up.
      setup = await start({ COINGECKO_MONTHLY_CALL_BUDGET: '2' });
    });
    afterAll(() => stop(setup));

    it('fills the holes from CoinPaprika and sends CoinGecko nothing', async () => {
      const holes = await seed(setup, [[id(3), '2026-06-02T09:30:00Z', 3]]);
      setup.gecko.clearRequests();
      const result = await run(setup, 'price_gap_repair', 50);
      expect(result).toMatchObject({ success: true });
      expect(result.metrics.custom).toMatchObject({
        slots_filled: 3,
        calls: 1,
        prices_by_source: { coingecko: 0, coinpaprika: 3 },
        fallback_reasons: { coingecko: expect.stringMatching(/budget/) as unknown },
      });
      expect(setup.gecko.count(CHART)).toBe(0);
      expect(await rowsAt(setup, id(3), holes)).toEqual(
        await Promise.all(holes.map((slot) => expectedFromPaprika(setup, id(3), slot))),
      );
    });
  });
});
