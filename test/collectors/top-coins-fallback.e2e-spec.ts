import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { faults } from '../fakes/coingecko-fake.js';
import { paprikaFaults, startCoinPaprikaFake, type CoinPaprikaFake } from '../fakes/coinpaprika-fake.js';
import { DUPLICATE_QUERIES, startCollectors, type CollectorsHarness } from './harness.js';

const TOKEN = 'top-fallback-token-0123456789abcdef';
const COINS = 20;
/** The ranks whose coins stay unmapped to CoinPaprika: the fallback cannot rank them. */
const UNMAPPED_RANKS = [4, 9];
const MAPPED = COINS - UNMAPPED_RANKS.length;
/** CoinGecko down for the whole run: far more failures than any run's retries. */
const ALWAYS = 100_000;
const DAY_MS = 86_400_000;

interface Setup {
  h: CollectorsHarness;
  paprika: CoinPaprikaFake;
  /** The date of the CoinGecko snapshot the setup collected (today, by the real clock). */
  firstDate: string;
}

const dateOf = (at: Date): string => at.toISOString().slice(0, 10);
/** Noon of the `n`th day after the setup's snapshot: a later cron slot of the daily job. */
const dayAfter = (first: string, n: number): Date => new Date(Date.parse(`${first}T12:00:00Z`) + n * DAY_MS);

/**
 * The service with CoinGecko and, unless `providers` says otherwise, CoinPaprika as its fallback; the top
 * coins collected once while CoinGecko answered, and all of them but UNMAPPED_RANKS mapped to CoinPaprika.
 */
async function start(
  env: Record<string, string> = {},
  providers = 'coingecko,coinpaprika',
  firstRun: 'runner' | 'direct' = 'runner',
): Promise<Setup> {
  let paprika: CoinPaprikaFake | undefined;
  const h = await startCollectors({
    fake: { coins: 50 },
    env: { API_TOKENS: TOKEN, PRICE_PROVIDERS: providers, ...env },
    beforeApp: async (gecko) => {
      paprika = await startCoinPaprikaFake({ coingecko: gecko });
      return { COINPAPRIKA_BASE_URL: paprika.url, COINPAPRIKA_RATE_LIMIT_PER_MINUTE: '100000' };
    },
  });
  if (!paprika) throw new Error('the fake CoinPaprika did not start');
  const fake = paprika;
  if (firstRun === 'runner') {
    expect((await h.run('top_coins_collection', { limit: COINS })).success).toBe(true);
  } else {
    // Straight to the job's work: the runner has not seen top coins succeed, so a dependency runs it first.
    await h.collect('top_coins_collection', new Date(), { limit: COINS });
  }
  const ranked = await h.db.query<{ id: string; coingecko_id: string; rank: number; date: string }>(
    `select a.id, a.coingecko_id, r.rank, r.snapshot_date::text as date
       from assets a join asset_rankings r on r.asset_id = a.id order by r.rank`,
  );
  for (const asset of ranked.filter((row) => !UNMAPPED_RANKS.includes(row.rank))) {
    await h.db.query(
      `insert into asset_provider_ids (asset_id, provider, provider_id, matched_by) values ($1, 'coinpaprika', $2, 'rule')`,
      [asset.id, fake.idOf(asset.coingecko_id)],
    );
  }
  return { h, paprika: fake, firstDate: ranked[0]?.date ?? '' };
}

async function stop(setup: Setup | undefined): Promise<void> {
  await setup?.h.close();
  await setup?.paprika.close();
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

interface RankingItem {
  rank: number;
  asset_id: string;
  coingecko_id: string;
  source: string;
}

async function rankingsOf(
  h: CollectorsHarness,
  query = '',
): Promise<{ date: string | null; items: RankingItem[] }> {
  const read = await getJson(h, `/rankings?limit=100${query}`);
  expect(read.status).toBe(200);
  return { date: read.body.snapshot_date as string | null, items: read.body.items as RankingItem[] };
}

async function rowsBySource(h: CollectorsHarness, date: string): Promise<Record<string, number>> {
  const rows = await h.db.query<{ source: string; n: number }>(
    `select source, count(*)::int as n from asset_rankings where snapshot_date = $1 group by source`,
    [date],
  );
  return Object.fromEntries(rows.map((row) => [row.source, row.n]));
}

/** A top-coins run of `slot` with CoinGecko failing it: the day ranked from one `/tickers` call. */
async function expectDayFromCoinPaprika({ h, paprika }: Setup, slot: Date, why: RegExp): Promise<void> {
  const tickers = paprika.count('/tickers');
  const all = paprika.count();
  const metrics = await h.collect('top_coins_collection', slot, { limit: COINS });
  // One call, and nothing else: no per-coin ticker, no retry.
  expect(paprika.count('/tickers') - tickers).toBe(1);
  expect(paprika.count() - all).toBe(1);
  expect(metrics).toMatchObject({
    items_processed: COINS,
    items_created: MAPPED,
    items_skipped: UNMAPPED_RANKS.length,
    custom: {
      coins_collected: COINS,
      coins_unmapped: UNMAPPED_RANKS.length,
      assets_created: 0,
      rankings_created: MAPPED,
      dominance_available: false,
      rankings_by_source: { coingecko: 0, coinpaprika: MAPPED },
      fallback_reasons: { coingecko: expect.stringMatching(why) as unknown },
    },
  });
  const warnings = h.lastLogs.filter((line) => line.level === 40).map((line) => line.msg);
  expect(warnings).toContainEqual(
    expect.stringMatching(
      new RegExp(`^${MAPPED} ranking\\(s\\) came from CoinPaprika, the fallback: CoinGecko: `),
    ),
  );
  expect(warnings).toContainEqual(
    expect.stringMatching(/^2 CoinPaprika coin\(s\) are mapped to no asset and were not ranked: /),
  );

  const date = dateOf(slot);
  expect(await rowsBySource(h, date)).toEqual({ coinpaprika: MAPPED });
  const read = await rankingsOf(h);
  expect(read.date).toBe(date);
  expect(read.items).toHaveLength(MAPPED);
  for (const item of read.items) expect(item.source).toBe('coinpaprika');
  // CoinPaprika's own ranks (the fake follows CoinGecko's order), with holes where a coin is unmapped.
  expect(read.items.map((item) => item.rank)).toEqual(
    Array.from({ length: COINS }, (_, n) => n + 1).filter((rank) => !UNMAPPED_RANKS.includes(rank)),
  );
  expect(await h.db.query(`select count(*)::int as n from assets`)).toEqual([{ n: COINS }]);
  expect(await h.db.query(DUPLICATE_QUERIES.asset_rankings)).toEqual([]);
}

describe('top coins collection falls back to CoinPaprika', () => {
  describe('CoinGecko down for the whole run', () => {
    let setup: Setup;
    beforeAll(async () => {
      setup = await start();
    });
    afterAll(() => stop(setup));
    afterEach(() => setup.h.fake.reset());

    it('ranks the mapped coins from one /tickers call when CoinGecko answers 503 throughout', async () => {
      setup.h.fake.failNext('/coins/markets', ALWAYS, faults.serverError(503));
      await expectDayFromCoinPaprika(setup, dayAfter(setup.firstDate, 1), /503/);
    });

    it('and price_collection then prices the fallback ranking’s top N, from CoinPaprika', async () => {
      const { h } = setup;
      h.fake.failNext('/coins/markets', ALWAYS, faults.serverError(503));
      const slot = dayAfter(setup.firstDate, 1);
      const metrics = await h.collect('price_collection', slot, { limit: COINS });
      // The latest snapshot is CoinPaprika's of that day: the two unmapped coins are not in it.
      expect(metrics.custom).toMatchObject({
        assets_tracked: MAPPED,
        prices_collected: MAPPED,
        prices_by_source: { coingecko: 0, coinpaprika: MAPPED },
      });
    });

    it('a later CoinGecko success that day adds its rows beside them and its snapshot is read', async () => {
      const { h } = setup;
      const slot = dayAfter(setup.firstDate, 1);
      const metrics = await h.collect('top_coins_collection', slot, { limit: COINS });
      expect(metrics.custom).toMatchObject({ rankings_by_source: { coingecko: COINS, coinpaprika: 0 } });
      expect(metrics.custom.fallback_reasons).toBeUndefined();
      expect(await rowsBySource(h, dateOf(slot))).toEqual({ coingecko: COINS, coinpaprika: MAPPED });
      // One ranking per asset and date: the preferred provider's whole list, never a mix of the two.
      const read = await rankingsOf(h);
      expect(read.date).toBe(dateOf(slot));
      expect(read.items.map((item) => [item.rank, item.source])).toEqual(
        Array.from({ length: COINS }, (_, n) => [n + 1, 'coingecko']),
      );
      const [btc] = read.items;
      const asset = await getJson(h, `/assets/${btc?.asset_id}`);
      expect(asset.body.latest_ranking).toMatchObject({
        rank: 1,
        snapshot_date: dateOf(slot),
        source: 'coingecko',
      });
    });

    it('does the same when CoinGecko answers 429 throughout', async () => {
      setup.h.fake.failNext('/coins/markets', ALWAYS, faults.rateLimited('0'));
      await expectDayFromCoinPaprika(setup, dayAfter(setup.firstDate, 2), /429|rate limit/i);
    });

    it('does the same when CoinGecko answers Cloudflare HTML pages', async () => {
      setup.h.fake.failNext('/coins/markets', ALWAYS, faults.cloudflareHtml(502));
      await expectDayFromCoinPaprika(setup, dayAfter(setup.firstDate, 3), /Cloudflare|HTML|502/i);
    });

    it('an asset’s latest ranking and a past date’s snapshot name their source', async () => {
      const { h } = setup;
      const [unmapped] = await h.db.query<{ asset_id: string }>(
        `select asset_id from asset_rankings where snapshot_date = $1 and rank = $2`,
        [setup.firstDate, UNMAPPED_RANKS[0]],
      );
      const stale = await getJson(h, `/assets/${unmapped?.asset_id}`);
      // CoinPaprika could not rank it since: its newest snapshot is the last one CoinGecko made.
      expect(stale.body.latest_ranking).toMatchObject({
        snapshot_date: dateOf(dayAfter(setup.firstDate, 1)),
      });
      const past = await rankingsOf(h, `&date=${setup.firstDate}`);
      expect(past.items).toHaveLength(COINS);
      for (const item of past.items) expect(item.source).toBe('coingecko');
      const fallbackDay = await rankingsOf(h, `&date=${dateOf(dayAfter(setup.firstDate, 2))}`);
      expect(fallbackDay.items).toHaveLength(MAPPED);
      for (const item of fallbackDay.items) expect(item.source).toBe('coinpaprika');
    });
  });

  describe("CoinGecko's monthly budget spent", () => {
    let setup: Setup;
    beforeAll(async () => {
      // The setup's top coins run spends it (markets + global).
      setup = await start({ COINGECKO_MONTHLY_CALL_BUDGET: '2' });
    });
    afterAll(() => stop(setup));

    it('ranks the day from CoinPaprika and sends CoinGecko nothing', async () => {
      setup.h.fake.clearRequests();
      await expectDayFromCoinPaprika(setup, dayAfter(setup.firstDate, 1), /budget/);
      expect(setup.h.fake.count()).toBe(0);
    });
  });

  describe('both providers down, and the dependency of price_collection', () => {
    let setup: Setup;
    beforeAll(async () => {
      setup = await start({}, 'coingecko,coinpaprika', 'direct');
    });
    afterAll(() => stop(setup));
    afterEach(() => {
      setup.h.fake.reset();
      setup.paprika.reset();
    });

    it('fails the run naming both providers (502) and writes nothing', async () => {
      const { h, paprika } = setup;
      h.fake.failNext('/coins/markets', ALWAYS, faults.serverError(503));
      paprika.failNext('/tickers', ALWAYS, paprikaFaults.serverError(502));
      const before = await h.db.query(
        `select count(*)::int as n, max(updated_at)::text as at from asset_rankings`,
      );
      const answer = await request(h.app.getHttpServer())
        .post('/api/v1/jobs/collect-top-coins')
        .set('authorization', `Bearer ${TOKEN}`)
        .send({ limit: COINS });
      expect(answer.status).toBe(502);
      expect(answer.body).toMatchObject({
        statusCode: 502,
        success: false,
        job_name: `top_coins_collection(limit=${COINS})`,
      });
      expect((answer.body as { error: string }).error).toMatch(
        /^No provider could rank the top coins: CoinGecko: .*503.*; CoinPaprika: .*502/,
      );
      expect(
        await h.db.query(`select count(*)::int as n, max(updated_at)::text as at from asset_rankings`),
      ).toEqual(before);
    });

    it('with CoinGecko down, price_collection still runs: its top-coins dependency succeeds through the fallback', async () => {
      const { h } = setup;
      // Top coins has never succeeded through the runner (the last trigger failed): it runs first.
      await h.db.query(`delete from job_runs`);
      h.fake.failNext('/coins/markets', ALWAYS, faults.serverError(503));
      const answer = await request(h.app.getHttpServer())
        .post('/api/v1/jobs/collect-prices')
        .set('authorization', `Bearer ${TOKEN}`)
        .send({ limit: COINS });
      expect(answer.status).toBe(200);
      const runs = await h.db.query<{ job_key: string; trigger: string; status: string; custom: unknown }>(
        `select job_key, trigger, status, custom from job_runs order by started_at`,
      );
      expect(runs.map(({ custom: _custom, ...run }) => run)).toEqual([
        { job_key: 'price_collection', trigger: 'manual', status: 'succeeded' },
        { job_key: 'top_coins_collection', trigger: 'dependency', status: 'succeeded' },
      ]);
      expect(runs[1]?.custom).toMatchObject({ rankings_by_source: { coingecko: 0, coinpaprika: MAPPED } });
      expect((answer.body as { metrics: { custom: unknown } }).metrics.custom).toMatchObject({
        prices_by_source: { coingecko: 0, coinpaprika: MAPPED },
      });
    });
  });

  describe('only CoinGecko configured (PRICE_PROVIDERS=coingecko)', () => {
    let setup: Setup;
    beforeAll(async () => {
      setup = await start({}, 'coingecko');
    });
    afterAll(() => stop(setup));

    it('behaves as before: CoinGecko’s own error (502), CoinPaprika never asked, nothing written', async () => {
      const { h, paprika } = setup;
      const success = await h.run('top_coins_collection', { limit: COINS });
      expect(success.metrics.custom).toMatchObject({ rankings_by_source: { coingecko: COINS } });
      expect(success.metrics.custom).not.toHaveProperty('fallback_reasons');
      h.fake.failNext('/coins/markets', ALWAYS, faults.serverError(503));
      const before = await h.db.query(`select count(*)::int as n from asset_rankings`);
      const answer = await request(h.app.getHttpServer())
        .post('/api/v1/jobs/collect-top-coins')
        .set('authorization', `Bearer ${TOKEN}`)
        .send({ limit: COINS });
      h.fake.reset();
      expect(answer.status).toBe(502);
      expect((answer.body as { error: string }).error).toBe(
        'CoinGecko server error (503) on /coins/markets after 3 attempts: Service Unavailable',
      );
      expect(paprika.count()).toBe(0);
      expect(await h.db.query(`select count(*)::int as n from asset_rankings`)).toEqual(before);
      const read = await rankingsOf(h);
      expect(read.date).toBe(setup.firstDate);
      expect(read.items).toHaveLength(COINS);
      for (const item of read.items) expect(item.source).toBe('coingecko');
    });
  });
});
