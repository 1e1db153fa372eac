import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faults } from '../fakes/coingecko-fake.js';
import { changedKeys, DUPLICATE_QUERIES, startCollectors, type CollectorsHarness } from './harness.js';

describe('price collection', () => {
  let h: CollectorsHarness;
  const slot = new Date('2026-06-01T12:15:00Z');

  beforeAll(async () => {
    h = await startCollectors({ fake: { coins: 700 } });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('runs top coins first when it never succeeded (the dependency), then prices the top N', async () => {
    const result = await h.run('price_collection', { limit: 50 });
    expect(result).toMatchObject({ success: true, job_name: 'price_collection(limit=50)' });
    const runs = await h.db.query(`select job_key, trigger, status from job_runs order by started_at`);
    expect(runs).toEqual([
      { job_key: 'price_collection', trigger: 'manual', status: 'succeeded' },
      { job_key: 'top_coins_collection', trigger: 'dependency', status: 'succeeded' },
    ]);
    expect(result.metrics).toMatchObject({
      items_processed: 50,
      items_created: 50,
      custom: { assets_tracked: 50, prices_collected: 50, prices_stored: 50 },
    });
  });

  it('prices 600 tracked assets (top 590 + 10 marked is_tracked outside it) in exactly 3 calls of ≤ 250 ids', async () => {
    await h.run('top_coins_collection', { limit: 700 });
    await h.db.query(
      `update assets set is_tracked = true
        where coingecko_id in (select 'coin-' || lpad(n::text, 5, '0') from generate_series(651, 660) n)`,
    );
    h.fake.clearRequests();
    const metrics = await h.collect('price_collection', slot, { limit: 590 });
    expect(metrics).toMatchObject({
      items_processed: 600,
      items_created: 600,
      items_updated: 0,
      items_skipped: 0,
      custom: { assets_tracked: 600, prices_collected: 600, prices_stored: 600, prices_unchanged: 0 },
    });
    const calls = h.fake.requests.filter((request) => request.endpoint === '/coins/markets');
    expect(calls).toHaveLength(3);
    expect(calls.map((call) => call.query.ids.split(',').length)).toEqual([250, 250, 100]);
    for (const call of calls) expect(call.url).not.toMatch(/%20|,\s/);
    const [tracked] = await h.db.query(
      `select count(*)::int as n from asset_prices p join assets a on a.id = p.asset_id
        where a.is_tracked and p.timestamp = $1`,
      [slot.toISOString()],
    );
    expect(tracked.n).toBe(10);
  });

  it('a retry of the same slot writes the same rows: nothing created, nothing rewritten', async () => {
    const before = await h.versions('asset_prices', '(asset_id, timestamp, source)');
    const metrics = await h.collect('price_collection', new Date(slot.getTime() + 42_000), { limit: 590 });
    expect(metrics).toMatchObject({
      items_created: 0,
      items_updated: 0,
      items_skipped: 600,
      custom: { prices_stored: 0, prices_unchanged: 600 },
    });
    expect(changedKeys(before, await h.versions('asset_prices', '(asset_id, timestamp, source)'))).toEqual(
      [],
    );
  });

  it('changed prices in the same slot update exactly those rows; a new slot adds new rows', async () => {
    const before = await h.versions('asset_prices', '(asset_id, timestamp, source)');
    h.fake.setPrice('coin-00003', 999.5);
    h.fake.setPrice('coin-00004', '1.2e-9');
    const metrics = await h.collect('price_collection', slot, { limit: 590 });
    expect(metrics).toMatchObject({ items_created: 0, items_updated: 2, items_skipped: 598 });
    expect(
      changedKeys(before, await h.versions('asset_prices', '(asset_id, timestamp, source)')),
    ).toHaveLength(2);
    const [row] = await h.db.query(
      `select p.price_usd::text from asset_prices p join assets a on a.id = p.asset_id
        where a.coingecko_id = 'coin-00004' and p.timestamp = $1`,
      [slot.toISOString()],
    );
    expect(row.price_usd).toBe('0.0000000012');

    const next = await h.collect('price_collection', new Date('2026-06-01T12:30:00Z'), { limit: 590 });
    expect(next).toMatchObject({ items_created: 600 });
    expect(await h.db.query(DUPLICATE_QUERIES.asset_prices)).toEqual([]);
  });

  it('counts assets without a price in the answer as skipped and names them in one log line', async () => {
    h.fake.updateCoin('coin-00007', { current_price: null });
    const hidden = h.fake.coins().find((coin) => coin.id === 'coin-00008');
    h.fake.setCoins(h.fake.coins().filter((coin) => coin.id !== 'coin-00008'));
    try {
      const metrics = await h.collect('price_collection', new Date('2026-06-01T12:45:00Z'), { limit: 20 });
      // Top 20 + the 10 assets marked is_tracked.
      expect(metrics).toMatchObject({
        items_processed: 30,
        items_created: 28,
        items_skipped: 2,
        custom: { prices_collected: 28, assets_without_price: 2 },
      });
      const lines = h.lastLogs.filter((record) => record.msg.includes('had no price'));
      expect(lines.map((record) => record.msg)).toEqual([
        "2 tracked asset(s) had no price in CoinGecko's answer and were skipped: coin-00007, coin-00008",
      ]);
    } finally {
      if (hidden) h.fake.setCoins([...h.fake.coins().slice(0, 7), hidden, ...h.fake.coins().slice(7)]);
      h.fake.setPrice('coin-00007', 10);
    }
  });

  it("fails with CoinGecko's error when a batch fails, keeping the rows of earlier runs", async () => {
    const [before] = await h.db.query(`select count(*)::int as n from asset_prices`);
    h.fake.failNext('/coins/markets', 5, faults.rateLimited('1'));
    const result = await h.run('price_collection', { limit: 100 });
    h.fake.reset();
    expect(result).toMatchObject({ success: false, status: 'failed', attempts: 1 });
    expect(result.error).toMatch(/^CoinGecko rate limit \(429\) on \/coins\/markets after 3 attempts/);
    const [after] = await h.db.query(`select count(*)::int as n from asset_prices`);
    expect(after.n).toBe(before.n);
  });
});
