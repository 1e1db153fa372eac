import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faults } from '../fakes/coingecko-fake.js';
import { changedKeys, DUPLICATE_QUERIES, startCollectors, type CollectorsHarness } from './harness.js';

const today = (): string => new Date().toISOString().slice(0, 10);

describe('top coins collection', () => {
  let h: CollectorsHarness;

  beforeAll(async () => {
    h = await startCollectors({ fake: { coins: 1000 } });
    h.fake.setGlobal({ totalMarketCapUsd: '3000000000000' });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('first run: fetches limit=1000 in 4 market calls + 1 global, creates every asset and ranking', async () => {
    const result = await h.run('top_coins_collection', { limit: 1000 });
    expect(result).toMatchObject({
      success: true,
      job_name: 'top_coins_collection(limit=1000)',
      metrics: {
        items_processed: 1000,
        items_created: 1000,
        items_updated: 0,
        items_skipped: 0,
        custom: {
          coins_collected: 1000,
          assets_created: 1000,
          assets_updated: 0,
          rankings_created: 1000,
          rankings_updated: 0,
          rankings_unchanged: 0,
        },
      },
    });
    expect(h.fake.count('/coins/markets')).toBe(4);
    expect(h.fake.count('/global')).toBe(1);
    const [counts] = await h.db.query(
      `select (select count(*) from assets)::int as assets, (select count(*) from asset_rankings)::int as rankings,
              (select count(distinct snapshot_date) from asset_rankings)::int as dates`,
    );
    expect(counts).toEqual({ assets: 1000, rankings: 1000, dates: 1 });
  });

  it('stores what CoinGecko sent: upper-case symbols, ids with spaces, exact decimals, dominance', async () => {
    const rows = await h.db.query(
      `select a.coingecko_id, a.symbol, a.logo_url, r.rank, r.snapshot_date::text, r.price_usd::text, r.market_cap_usd::text,
              r.dominance::text
         from asset_rankings r join assets a on a.id = r.asset_id
        where a.coingecko_id in ('coin-00001', 'coin 00123', 'coin-00097', 'coin-00013')
        order by r.rank`,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        coingecko_id: 'coin-00001',
        symbol: 'C00001',
        rank: 1,
        snapshot_date: today(),
      }),
      expect.objectContaining({ coingecko_id: 'coin-00013', logo_url: null }),
      expect.objectContaining({ coingecko_id: 'coin-00097', price_usd: '0.0000000012' }),
      expect.objectContaining({ coingecko_id: 'coin 00123', symbol: 'C00123' }),
    ]);
    const [first] = rows;
    // market cap 3e11 / 1 over a total of 3e12 = 10 %.
    expect(first.market_cap_usd).toBe('300000000000');
    expect(first.dominance).toBe('10');
    // Coins with a 1e30 supply (every 89th) land like any other: their amounts are exact decimals too.
    const [huge] = await h.db.query(
      `select r.rank, r.market_cap_usd::text from asset_rankings r join assets a on a.id = r.asset_id
        where a.coingecko_id = 'coin-00089'`,
    );
    expect(huge).toEqual({ rank: 89, market_cap_usd: String(Math.round(3e11 / 89 ** 1.5)) });
    // Symbols are not unique: every 11th generated coin is "DUP".
    const [dup] = await h.db.query(`select count(*)::int as n from assets where symbol = 'DUP'`);
    expect(dup.n).toBe(90);
  });

  it('second run with the same data: 0 created, 0 updated, all unchanged, and no row rewritten', async () => {
    const assetsBefore = await h.versions('assets', 'coingecko_id');
    const rankingsBefore = await h.versions('asset_rankings', 'asset_id');
    const result = await h.run('top_coins_collection', { limit: 1000 });
    expect(result.metrics).toMatchObject({
      items_processed: 1000,
      items_created: 0,
      items_updated: 0,
      items_skipped: 1000,
      custom: {
        assets_created: 0,
        assets_updated: 0,
        rankings_created: 0,
        rankings_updated: 0,
        rankings_unchanged: 1000,
      },
    });
    expect(changedKeys(assetsBefore, await h.versions('assets', 'coingecko_id'))).toEqual([]);
    expect(changedKeys(rankingsBefore, await h.versions('asset_rankings', 'asset_id'))).toEqual([]);
  });

  it('third run with changed prices updates exactly the changed rows; assets keep their id and is_tracked', async () => {
    await h.db.query(`update assets set is_tracked = true where coingecko_id = 'coin-00005'`);
    const [{ id: trackedId }] = await h.db.query<{ id: string }>(
      `select id from assets where coingecko_id = 'coin-00005'`,
    );
    const rankingsBefore = await h.versions('asset_rankings', 'asset_id');
    h.fake.setPrice('coin-00005', 123.456);
    h.fake.setPrice('coin-00500', '0.000000000000000001');
    h.fake.updateCoin('coin-00999', { name: 'Renamed Coin' });
    const result = await h.run('top_coins_collection', { limit: 1000 });
    expect(result.metrics).toMatchObject({
      items_created: 0,
      items_updated: 2,
      items_skipped: 998,
      custom: { assets_updated: 1, rankings_updated: 2 },
    });
    const changed = changedKeys(rankingsBefore, await h.versions('asset_rankings', 'asset_id'));
    expect(changed).toHaveLength(2);
    const [asset] = await h.db.query(`select id, is_tracked from assets where coingecko_id = 'coin-00005'`);
    expect(asset).toEqual({ id: trackedId, is_tracked: true });
    const [price] = await h.db.query(
      `select r.price_usd::text from asset_rankings r join assets a on a.id = r.asset_id where a.coingecko_id = 'coin-00500'`,
    );
    expect(price.price_usd).toBe('0.000000000000000001');
  });

  it('never duplicates a natural key across repeated runs (the original README check)', async () => {
    for (const query of Object.values(DUPLICATE_QUERIES)) expect(await h.db.query(query)).toEqual([]);
  });

  it('skips coins without a market-cap rank and counts them', async () => {
    h.fake.updateCoin('coin-00010', { market_cap_rank: null });
    h.fake.updateCoin('coin-00020', { market_cap_rank: null });
    const result = await h.run('top_coins_collection', { limit: 50 });
    expect(result.metrics).toMatchObject({
      items_processed: 50,
      items_skipped: 50,
      custom: { coins_without_rank: 2, rankings_unchanged: 48 },
    });
    h.fake.updateCoin('coin-00010', { market_cap_rank: 10 });
    h.fake.updateCoin('coin-00020', { market_cap_rank: 20 });
  });

  it('a coin that moves between pages while they are fetched is written once', async () => {
    h.fake.clearRequests();
    const remove = h.fake.onMarketsPage((info) => {
      // After page 1 is served, coin 200 (on page 1) drops to page 2.
      if (info.page === 1) h.fake.moveCoin('coin-00200', 260);
    });
    try {
      const result = await h.run('top_coins_collection', { limit: 500 });
      expect(result.success).toBe(true);
      expect(h.fake.count('/coins/markets')).toBe(2);
    } finally {
      remove();
      h.fake.moveCoin('coin-00200', 199);
    }
    expect(await h.db.query(DUPLICATE_QUERIES.asset_rankings)).toEqual([]);
  });

  it('leaves dominance empty, but still writes the rankings, when /global fails', async () => {
    h.fake.failNext('/global', 5, faults.serverError(503));
    const result = await h.run('top_coins_collection', { limit: 10 });
    expect(result.success).toBe(true);
    expect(result.metrics.custom).toMatchObject({ dominance_available: false });
    const rows = await h.db.query(
      `select r.dominance from asset_rankings r join assets a on a.id = r.asset_id where a.coingecko_id = 'coin-00002'`,
    );
    expect(rows).toEqual([{ dominance: null }]);
  });

  it('fails with a clear error when CoinGecko fails mid-paging, keeping what earlier runs wrote', async () => {
    const before = await h.db.query(`select count(*)::int as n from asset_rankings`);
    let pages = 0;
    const remove = h.fake.onMarketsPage(() => {
      pages += 1;
      if (pages === 2) h.fake.failNext('/coins/markets', 10, faults.serverError(502));
    });
    try {
      const result = await h.run('top_coins_collection', { limit: 1000 });
      expect(result.success).toBe(false);
      expect(result.error).toBe(
        'CoinGecko server error (502) on /coins/markets after 3 attempts: Bad Gateway',
      );
      expect(result.attempts).toBe(1);
    } finally {
      remove();
      h.fake.reset();
    }
    expect(await h.db.query(`select count(*)::int as n from asset_rankings`)).toEqual(before);
  });
});

describe('top coins collection on the real recorded top 100', () => {
  let h: CollectorsHarness;

  beforeAll(async () => {
    h = await startCollectors();
  });

  afterAll(async () => {
    await h?.close();
  });

  it('lands every real coin, duplicate symbols and tiny prices included', async () => {
    const result = await h.run('top_coins_collection', { limit: 100 });
    expect(result.metrics).toMatchObject({ items_processed: 100, items_created: 100 });
    const [usdt] = await h.db.query(`select count(*)::int as n from assets where symbol = 'USDT'`);
    expect(usdt.n).toBeGreaterThanOrEqual(1);
    const tiny = await h.db.query<{ price_usd: string }>(
      `select price_usd::text from asset_rankings where price_usd < 0.0001`,
    );
    expect(tiny.length).toBeGreaterThan(0);
    // CoinGecko wrote e.g. 7.65e-06: stored as the exact decimal.
    expect(tiny.map((row) => row.price_usd)).toContain('0.00000765');
  });
});
