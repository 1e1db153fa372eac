import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/jobs/clock.js';
import type { JobContext } from '../../src/jobs/job-context.js';
import { JobRegistry } from '../../src/jobs/job-registry.js';
import { emptyMetrics, type JobMetrics } from '../../src/jobs/job-result.js';
import {
  PriceFlagsWriteRepository,
  type RecordedFlags,
} from '../../src/prices-quality/price-flags.write-repository.js';
import { CoinGeckoFake, faults } from '../fakes/coingecko-fake.js';
import { paprikaFaults, startCoinPaprikaFake, type CoinPaprikaFake } from '../fakes/coinpaprika-fake.js';
import { startClockedApp } from '../support/app.js';
import { mapToPaprika } from '../collectors/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { memoryLogger } from '../support/jobs.js';

/*
 * price_cross_check against both fakes (real HTTP) and a real PostgreSQL, with the service's clock fixed at
 * 12:05 (the job's cron minute): the 12:00 slot is the stored CoinGecko price nearest the ticker. The fake
 * CoinPaprika follows the fake CoinGecko's prices, so a price multiplier makes one coin diverge.
 */
const TOKEN = 'cross-check-test-token-0123456789';
const ASSETS = 5;
const NOW = new Date('2026-06-02T12:05:00Z');
const SLOT = new Date('2026-06-02T12:00:00Z');
const EARLIER_SLOT = new Date('2026-06-02T11:45:00Z');
/** Down for the whole run: far more failures than any client's retries. */
const ALWAYS = 100_000;

interface Setup {
  db: TestDatabase;
  gecko: CoinGeckoFake;
  paprika: CoinPaprikaFake;
  app: NestExpressApplication;
  heard: RecordedFlags[];
  /** A job's work for one cron slot, as a retry of that slot runs it. */
  collect(job: string, slot: Date, params: { limit: number | null }): Promise<JobMetrics>;
  trigger(path: string, body: object): Promise<request.Response>;
  /** The coins in a fixed order: the first diverges by 5 %, the second by 1 %. */
  coins: Array<{ id: string; coingecko_id: string }>;
  close(): Promise<void>;
}

async function start(providers: string): Promise<Setup> {
  const db = await createTestDatabase();
  const gecko = await CoinGeckoFake.start({ coins: 20, now: () => NOW });
  const paprika = await startCoinPaprikaFake({ coingecko: gecko });
  paprika.setClock(() => NOW);
  const clock: Clock = { now: () => NOW };
  const app = await startClockedApp(
    {
      DATABASE_URL: db.url,
      API_TOKENS: TOKEN,
      PRICE_PROVIDERS: providers,
      COINGECKO_BASE_URL: gecko.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      COINGECKO_MAX_RETRIES: '1',
      COINGECKO_RETRY_BASE_MS: '1',
      COINGECKO_RETRY_MAX_MS: '5',
      COINPAPRIKA_BASE_URL: paprika.url,
      COINPAPRIKA_RATE_LIMIT_PER_MINUTE: '100000',
    },
    { clock },
  );
  const heard: RecordedFlags[] = [];
  app.get(PriceFlagsWriteRepository).onRecorded((recorded) => heard.push(recorded));
  const registry = app.get(JobRegistry);
  const collect = async (job: string, slot: Date, params: { limit: number | null }) => {
    const metrics = emptyMetrics();
    const context: JobContext = {
      runId: '00000000-0000-0000-0000-000000000000',
      attempt: 1,
      logger: memoryLogger().logger,
      signal: new AbortController().signal,
      slot,
      params,
      metrics,
      progress: () => undefined,
    };
    return (await registry.get(job).run(context)) ?? metrics;
  };
  await collect('top_coins_collection', SLOT, { limit: ASSETS });
  const coins = await db.query<{ id: string; coingecko_id: string }>(
    `select id, coingecko_id from assets order by coingecko_id`,
  );
  await mapToPaprika(db, paprika, coins);
  gecko.reset();
  paprika.reset();
  return {
    db,
    gecko,
    paprika,
    app,
    heard,
    collect,
    coins,
    trigger: (path, body) =>
      request(app.getHttpServer())
        .post(`/api/v1/jobs/${path}`)
        .set('authorization', `Bearer ${TOKEN}`)
        .send(body),
    close: async () => {
      await app.close();
      await paprika.close();
      await gecko.stop();
      await db.drop();
    },
  };
}

interface FlagRow {
  asset_id: string;
  ts: Date;
  source: string;
  detail: Record<string, unknown>;
}

const divergenceFlags = (db: TestDatabase): Promise<FlagRow[]> =>
  db.query<FlagRow>(
    `select asset_id, timestamp as ts, source, detail from price_flags where kind = 'divergence'
      order by timestamp, asset_id, source`,
  );

describe('price_cross_check with CoinGecko preferred and CoinPaprika second (e2e)', () => {
  let s: Setup;
  let diverging: { id: string; coingecko_id: string };
  let close: { id: string; coingecko_id: string };
  let price: (source: string, at: Date, assetId: string) => Promise<string>;

  beforeAll(async () => {
    s = await start('coingecko,coinpaprika');
    const [first, second] = s.coins;
    if (!first || !second) throw new Error('the top coins run stored fewer than two coins');
    diverging = first;
    close = second;
    await s.collect('price_collection', SLOT, { limit: ASSETS });
    s.gecko.reset();
    s.paprika.setPriceMultiplier(diverging.coingecko_id, 1.05);
    s.paprika.setPriceMultiplier(close.coingecko_id, 1.01);
    price = async (source, at, assetId) => {
      const [row] = await s.db.query<{ price: string }>(
        `select price_usd::text as price from asset_prices where asset_id = $1 and timestamp = $2 and source = $3`,
        [assetId, at.toISOString(), source],
      );
      if (!row) throw new Error(`no ${source} price of ${assetId} at ${at.toISOString()}`);
      return row.price;
    };
  });
  afterAll(() => s?.close());

  it('flags the diverging asset with one /tickers call, and not the close one', async () => {
    s.heard.length = 0;
    const answer = await s.trigger('cross-check-prices', {});
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      success: true,
      job_name: 'price_cross_check',
      metrics: {
        items_processed: ASSETS,
        items_created: 1,
        custom: { assets_compared: ASSETS, divergences: 1, flags_recorded: 1, assets_unanswered: 0 },
      },
    });
    expect(s.paprika.count('/tickers')).toBe(1);
    expect(s.paprika.count()).toBe(1);
    expect(s.gecko.requests).toHaveLength(0);

    const flags = await divergenceFlags(s.db);
    expect(flags).toHaveLength(1);
    const [flag] = flags;
    expect(flag).toMatchObject({ asset_id: diverging.id, ts: SLOT, source: 'coingecko' });
    expect(flag?.detail).toEqual({
      price_usd: await price('coingecko', SLOT, diverging.id),
      other: {
        source: 'coinpaprika',
        price_usd: expect.any(String) as unknown,
        timestamp: '2026-06-02T12:05:00Z',
      },
      percent: expect.closeTo(5, 1) as unknown,
      threshold_percent: 3,
      found_by: 'cross_check',
    });
    // Listeners hear it once it is committed.
    expect(s.heard.flatMap((recorded) => recorded.flags)).toMatchObject([
      { assetId: diverging.id, kind: 'divergence', source: 'coingecko' },
    ]);

    // The read shows the flag on the point, the close asset stays clean.
    const read = await request(s.app.getHttpServer())
      .get(
        `/api/v1/prices/at?assets=${diverging.coingecko_id},${close.coingecko_id}&at=${SLOT.toISOString()}`,
      )
      .set('authorization', `Bearer ${TOKEN}`)
      .expect(200);
    const items = (read.body as { items: Array<{ asset_id: string; flags?: unknown[] }> }).items;
    expect(items.find((item) => item.asset_id === diverging.id)?.flags).toMatchObject([
      { kind: 'divergence' },
    ]);
    expect(items.find((item) => item.asset_id === close.id)?.flags).toBeUndefined();
  });

  it('a rerun finds the same divergence and records nothing twice', async () => {
    s.heard.length = 0;
    const answer = await s.trigger('cross-check-prices', {});
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      metrics: { items_created: 0, custom: { assets_compared: ASSETS, divergences: 1, flags_recorded: 0 } },
    });
    expect(await divergenceFlags(s.db)).toHaveLength(1);
    expect(s.heard).toEqual([]);
  });

  // The client's own retries back off for real (about 15 s at most): CoinPaprika's are not configurable.
  it(
    'CoinPaprika down: the run fails naming CoinPaprika (502) and writes nothing',
    { timeout: 90_000 },
    async () => {
      s.paprika.failNext('/tickers', ALWAYS, paprikaFaults.serverError(503));
      await s.db.query(`delete from price_flags`);
      try {
        const answer = await s.trigger('cross-check-prices', {});
        expect(answer.status).toBe(502);
        expect(answer.body).toMatchObject({ statusCode: 502, success: false, job_name: 'price_cross_check' });
        expect((answer.body as { error: string }).error).toMatch(/CoinPaprika/);
        expect(await s.db.query(`select count(*)::int as n from price_flags`)).toEqual([{ n: 0 }]);
      } finally {
        s.paprika.reset();
        s.paprika.setPriceMultiplier(diverging.coingecko_id, 1.05);
        s.paprika.setPriceMultiplier(close.coingecko_id, 1.01);
      }
    },
  );

  it('a CoinPaprika fallback slot later written by CoinGecko with a price > 3 % apart flags both rows', async () => {
    await s.db.query(`delete from price_flags`);
    s.gecko.failNext('/coins/markets', ALWAYS, faults.serverError(503));
    const fallback = await s.collect('price_collection', EARLIER_SLOT, { limit: ASSETS });
    expect(fallback.custom).toMatchObject({ prices_by_source: { coingecko: 0, coinpaprika: ASSETS } });
    expect(await divergenceFlags(s.db)).toEqual([]);

    s.gecko.reset();
    s.heard.length = 0;
    const repaired = await s.collect('price_collection', EARLIER_SLOT, { limit: ASSETS });
    expect(repaired.custom).toMatchObject({ prices_by_source: { coingecko: ASSETS, coinpaprika: 0 } });
    const gecko = await price('coingecko', EARLIER_SLOT, diverging.id);
    const paprika = await price('coinpaprika', EARLIER_SLOT, diverging.id);
    const flags = await divergenceFlags(s.db);
    expect(flags.map(({ asset_id, ts, source }) => ({ asset_id, ts, source }))).toEqual([
      { asset_id: diverging.id, ts: EARLIER_SLOT, source: 'coingecko' },
      { asset_id: diverging.id, ts: EARLIER_SLOT, source: 'coinpaprika' },
    ]);
    const other = (source: string, price_usd: string) => ({
      source,
      price_usd,
      timestamp: '2026-06-02T11:45:00Z',
    });
    expect(flags[0]?.detail).toEqual({
      price_usd: gecko,
      other: other('coinpaprika', paprika),
      percent: expect.closeTo(5, 1) as unknown,
      threshold_percent: 3,
      found_by: 'write',
    });
    expect(flags[1]?.detail).toMatchObject({
      price_usd: paprika,
      other: other('coingecko', gecko),
      found_by: 'write',
    });
    expect(s.heard.flatMap((recorded) => recorded.flags)).toHaveLength(2);

    // The same slot written again records nothing twice; both rows stay stored.
    await s.collect('price_collection', EARLIER_SLOT, { limit: ASSETS });
    expect(await divergenceFlags(s.db)).toHaveLength(2);
    expect(
      await s.db.query(`select count(*)::int as n from asset_prices where timestamp = $1`, [
        EARLIER_SLOT.toISOString(),
      ]),
    ).toEqual([{ n: 2 * ASSETS }]);
  });
});

describe('price_cross_check with one provider (e2e)', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await start('coingecko');
    await s.collect('price_collection', SLOT, { limit: ASSETS });
    s.gecko.reset();
  });
  afterAll(() => s?.close());

  it('does nothing and makes no call', async () => {
    const answer = await s.trigger('cross-check-prices', {});
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      success: true,
      metrics: {
        items_processed: 0,
        custom: { assets_compared: 0, divergences: 0, not_checked: 'PRICE_PROVIDERS lists one provider' },
      },
    });
    expect(s.paprika.count()).toBe(0);
    expect(s.gecko.requests).toHaveLength(0);
    expect(await divergenceFlags(s.db)).toEqual([]);
  });

  it('refuses a body with a field (400), running nothing', async () => {
    const answer = await s.trigger('cross-check-prices', { limit: 5 });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(s.paprika.count()).toBe(0);
  });
});
