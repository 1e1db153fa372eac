import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { faults } from '../fakes/coingecko-fake.js';
import { paprikaFaults, startCoinPaprikaFake, type CoinPaprikaFake } from '../fakes/coinpaprika-fake.js';
import { DUPLICATE_QUERIES, mapToPaprika, startCollectors, type CollectorsHarness } from './harness.js';

const TOKEN = 'fallback-token-0123456789abcdef';
const ASSETS = 20;
const SLOT_MS = 15 * 60_000;
const DAY = new Date('2026-06-02T00:00:00Z');
/** The 96 price slots of one UTC day. */
const SLOTS = Array.from({ length: 96 }, (_, n) => new Date(DAY.getTime() + n * SLOT_MS));
/** CoinGecko down for the whole run: far more failures than any run's retries. */
const ALWAYS = 100_000;

interface Setup {
  h: CollectorsHarness;
  paprika: CoinPaprikaFake;
}

/** The service with both providers, the top coins collected while CoinGecko still answered, and their CoinPaprika ids. */
async function start(env: Record<string, string> = {}): Promise<Setup> {
  let paprika: CoinPaprikaFake | undefined;
  const h = await startCollectors({
    fake: { coins: 50 },
    env: {
      API_TOKENS: TOKEN,
      PRICE_PROVIDERS: 'coingecko,coinpaprika',
      ...env,
    },
    beforeApp: async (gecko) => {
      paprika = await startCoinPaprikaFake({ coingecko: gecko });
      return { COINPAPRIKA_BASE_URL: paprika.url, COINPAPRIKA_RATE_LIMIT_PER_MINUTE: '100000' };
    },
  });
  if (!paprika) throw new Error('the fake CoinPaprika did not start');
  await h.run('top_coins_collection', { limit: ASSETS });
  const fake = paprika;
  await mapToPaprika(h.db, fake);
  return { h, paprika: fake };
}

async function stop(setup: Setup | undefined): Promise<void> {
  await setup?.h.close();
  await setup?.paprika.close();
}

async function countBySource(h: CollectorsHarness): Promise<Record<string, number>> {
  const rows = await h.db.query<{ source: string; n: number }>(
    `select source, count(*)::int as n from asset_prices
      where timestamp >= $1 and timestamp < $1::timestamptz + interval '1 day' group by source`,
    [DAY.toISOString()],
  );
  return Object.fromEntries(rows.map((row) => [row.source, row.n]));
}

async function getJson(
  h: CollectorsHarness,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await request(h.app.getHttpServer())
    .get(`/api/v1${path}`)
    .set('authorization', `Bearer ${TOKEN}`);
  return { status: response.status, body: response.body as Record<string, unknown> };
}

/** A day of slots, each priced with CoinGecko failing it: every slot from one `/tickers` call. */
async function expectDayFromCoinPaprika({ h, paprika }: Setup, why: RegExp): Promise<void> {
  for (const slot of SLOTS) {
    const before = paprika.count('/tickers');
    const all = paprika.count();
    const metrics = await h.collect('price_collection', slot, { limit: ASSETS });
    // One call a slot, and nothing else: no per-coin ticker, no retry.
    expect(paprika.count('/tickers') - before).toBe(1);
    expect(paprika.count() - all).toBe(1);
    expect(metrics.custom).toMatchObject({
      prices_collected: ASSETS,
      prices_by_source: { coingecko: 0, coinpaprika: ASSETS },
      fallback_reasons: { coingecko: expect.stringMatching(why) as unknown },
    });
  }
  expect(await countBySource(h)).toEqual({ coinpaprika: SLOTS.length * ASSETS });

  const assets = await h.db.query<{ coingecko_id: string }>(
    `select coingecko_id from assets order by coingecko_id`,
  );
  const at = new Date(DAY.getTime() + 12 * 3_600_000).toISOString();
  const read = await getJson(h, `/prices/at?assets=${assets.map((a) => a.coingecko_id).join(',')}&at=${at}`);
  expect(read.status).toBe(200);
  expect(read.body.missing).toEqual([]);
  const items = read.body.items as Array<{ source: string; timestamp: string }>;
  expect(items).toHaveLength(ASSETS);
  for (const item of items) expect(item).toMatchObject({ source: 'coinpaprika', timestamp: at });
  const [first] = await h.db.query<{ id: string }>(`select id from assets order by coingecko_id limit 1`);
  const end = new Date(DAY.getTime() + 86_400_000 - 1).toISOString();
  const series = await getJson(
    h,
    `/assets/${first?.id}/prices/series?from=${DAY.toISOString()}&to=${end}&interval=15m`,
  );
  expect(series.status).toBe(200);
  expect(series.body).toMatchObject({ source: 'coinpaprika', interval: '15m' });
  expect(series.body.points).toHaveLength(SLOTS.length);
}

describe('price collection falls back to CoinPaprika', () => {
  describe('CoinGecko down for the whole run (503 and 429 on every call)', () => {
    let setup: Setup;
    beforeAll(async () => {
      setup = await start();
    });
    afterAll(() => stop(setup));
    afterEach(() => setup.h.fake.reset());

    it('fills 100 % of a day of slots from one /tickers call each, every row tagged coinpaprika', async () => {
      setup.h.fake.failNext('/coins/markets', ALWAYS, faults.serverError(503));
      await expectDayFromCoinPaprika(setup, /503/);
    });

    it('does the same when CoinGecko answers 429 throughout', async () => {
      await setup.h.db.query(`delete from asset_prices`);
      setup.h.fake.failNext('/coins/markets', ALWAYS, faults.rateLimited('0'));
      await expectDayFromCoinPaprika(setup, /429|rate limit/i);
    });

    it('a later CoinGecko success for a fallback slot adds its row beside it and never deletes it', async () => {
      const slot = SLOTS[10];
      const metrics = await setup.h.collect('price_collection', slot, { limit: ASSETS });
      expect(metrics.custom).toMatchObject({ prices_by_source: { coingecko: ASSETS, coinpaprika: 0 } });
      const rows = await setup.h.db.query<{ source: string; n: number }>(
        `select source, count(*)::int as n from asset_prices where timestamp = $1 group by source order by source`,
        [slot.toISOString()],
      );
      expect(rows).toEqual([
        { source: 'coingecko', n: ASSETS },
        { source: 'coinpaprika', n: ASSETS },
      ]);
      expect(await setup.h.db.query(DUPLICATE_QUERIES.asset_prices)).toEqual([]);
    });
  });

  describe("CoinGecko's monthly budget spent", () => {
    let setup: Setup;
    beforeAll(async () => {
      // The top coins run spends it (markets + global); every price slot after finds it used up.
      setup = await start({ COINGECKO_MONTHLY_CALL_BUDGET: '2' });
    });
    afterAll(() => stop(setup));

    it('fills the day from CoinPaprika and sends CoinGecko nothing', async () => {
      setup.h.fake.clearRequests();
      await expectDayFromCoinPaprika(setup, /budget/);
      expect(setup.h.fake.count('/coins/markets')).toBe(0);
    });
  });

  describe('both providers down', () => {
    let setup: Setup;
    beforeAll(async () => {
      setup = await start({ JOB_MAX_ATTEMPTS: '2', JOB_RETRY_BASE_MS: '1', JOB_RETRY_MAX_MS: '5' });
    });
    afterAll(() => stop(setup));

    it('fails the run naming both providers, writes nothing, and a later run writes each row once', async () => {
      const { h, paprika } = setup;
      h.fake.failNext('/coins/markets', ALWAYS, faults.serverError(503));
      paprika.failNext('/tickers', ALWAYS, paprikaFaults.serverError(502));
      await h.db.query(`delete from asset_prices`);
      const answer = await request(h.app.getHttpServer())
        .post('/api/v1/jobs/collect-prices')
        .set('authorization', `Bearer ${TOKEN}`)
        .send({ limit: ASSETS });
      expect(answer.status).toBe(502);
      expect(answer.body).toMatchObject({
        statusCode: 502,
        success: false,
        job_name: 'price_collection(limit=20)',
      });
      expect((answer.body as { error: string }).error).toMatch(
        /^No provider could price the assets: CoinGecko: .*503.*; CoinPaprika: .*502/,
      );
      expect(await h.db.query(`select count(*)::int as n from asset_prices`)).toEqual([{ n: 0 }]);

      h.fake.reset();
      paprika.reset();
      const again = await h.run('price_collection', { limit: ASSETS });
      expect(again.success).toBe(true);
      expect(await h.db.query(`select source, count(*)::int as n from asset_prices group by source`)).toEqual(
        [{ source: 'coingecko', n: ASSETS }],
      );
      expect(await h.db.query(DUPLICATE_QUERIES.asset_prices)).toEqual([]);
    });
  });
});
