import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMigratedOrm, createTestDatabase, type TestDatabase } from '../support/database.js';
import { AssetPriceSchema } from '../../src/assets/entities/asset-price.entity.js';
import { AssetRankingSchema } from '../../src/assets/entities/asset-ranking.entity.js';
import { AssetSchema } from '../../src/assets/entities/asset.entity.js';
import { upsertMany, type UpsertCounts } from '../../src/database/upsert.js';

describe('upsertMany', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await createMigratedOrm(db.url);
  });

  beforeEach(async () => {
    await db.query('truncate assets cascade');
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  const asset = (id: string, name = id.toUpperCase()) => ({
    coingeckoId: id,
    symbol: id.slice(0, 3).toUpperCase(),
    name,
    logoUrl: null,
    isActive: true,
  });
  const assetOptions = {
    conflictOn: ['coingeckoId'],
    compare: ['symbol', 'name', 'logoUrl', 'isActive'],
    touch: ['updatedAt'],
    returning: ['id'],
  } as const;
  const upsertAssets = (rows: ReturnType<typeof asset>[], batchSize?: number) =>
    upsertMany(orm.em.fork(), AssetSchema, rows, {
      conflictOn: [...assetOptions.conflictOn],
      compare: [...assetOptions.compare],
      touch: [...assetOptions.touch],
      returning: [...assetOptions.returning],
      batchSize,
    });
  const versions = async () =>
    Object.fromEntries(
      (
        await db.query<{ coingecko_id: string; xmin: string }>(`select coingecko_id, xmin::text from assets`)
      ).map((r) => [r.coingecko_id, r.xmin]),
    );

  it('counts inserted rows and reads back the generated ids', async () => {
    const result = await upsertAssets([asset('bitcoin'), asset('ethereum'), asset('tether')]);
    expect(result).toMatchObject({ inserted: 3, updated: 0, unchanged: 0, merged: 0 });
    const ids = await db.query<{ id: string; coingecko_id: string }>(`select id, coingecko_id from assets`);
    expect(result.rows.sort((a, b) => String(a.coingeckoId).localeCompare(String(b.coingeckoId)))).toEqual(
      ids
        .map((row) => ({ coingeckoId: row.coingecko_id, id: row.id }))
        .sort((a, b) => a.coingeckoId.localeCompare(b.coingeckoId)),
    );
  });

  it('leaves unchanged rows alone (no new row version) and still returns their ids', async () => {
    await upsertAssets([asset('bitcoin'), asset('ethereum')]);
    const before = await versions();
    const result = await upsertAssets([asset('bitcoin'), asset('ethereum')]);
    expect(result).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });
    expect(await versions()).toEqual(before);
    expect(result.rows.map((row) => row.coingeckoId).sort()).toEqual(['bitcoin', 'ethereum']);
    expect(result.rows.every((row) => typeof row.id === 'string')).toBe(true);
  });

  it('rewrites exactly the rows whose compared columns changed, touching updated_at', async () => {
    await upsertAssets([asset('bitcoin'), asset('ethereum'), asset('tether')]);
    const before = await versions();
    const result = await upsertAssets([
      asset('bitcoin', 'Bitcoin (renamed)'),
      asset('ethereum'),
      asset('tether'),
    ]);
    expect(result).toMatchObject({ inserted: 0, updated: 1, unchanged: 2 });
    const after = await versions();
    expect(after.bitcoin).not.toBe(before.bitcoin);
    expect(after.ethereum).toBe(before.ethereum);
    expect(after.tether).toBe(before.tether);
    const [row] = await db.query(
      `select name, updated_at > created_at as touched from assets where coingecko_id = 'bitcoin'`,
    );
    expect(row).toEqual({ name: 'Bitcoin (renamed)', touched: true });
  });

  it('merges rows sharing a natural key before the statement (the later row wins)', async () => {
    const result = await upsertAssets([
      asset('bitcoin', 'First'),
      asset('ethereum'),
      asset('bitcoin', 'Second'),
    ]);
    expect(result).toMatchObject({ inserted: 2, merged: 1 });
    const [row] = await db.query(`select name from assets where coingecko_id = 'bitcoin'`);
    expect(row.name).toBe('Second');
  });

  it('writes in batches, each one statement, reporting totals after every batch', async () => {
    const totals: UpsertCounts[] = [];
    const rows = Array.from({ length: 25 }, (_, i) => asset(`coin-${i}`));
    await upsertMany(orm.em.fork(), AssetSchema, rows, {
      conflictOn: ['coingeckoId'],
      compare: ['name'],
      batchSize: 10,
      onBatch: (t) => totals.push(t),
    });
    expect(totals).toEqual([
      { inserted: 10, updated: 0, unchanged: 0 },
      { inserted: 20, updated: 0, unchanged: 0 },
      { inserted: 25, updated: 0, unchanged: 0 },
    ]);
  });

  it('keeps the batches already written when a later batch fails', async () => {
    const totals: UpsertCounts[] = [];
    const rows = [asset('a-coin'), asset('b-coin'), { ...asset('c-coin'), name: null as unknown as string }];
    await expect(
      upsertMany(orm.em.fork(), AssetSchema, rows, {
        conflictOn: ['coingeckoId'],
        compare: ['name'],
        batchSize: 2,
        onBatch: (t) => totals.push(t),
      }),
    ).rejects.toThrow(/null value in column "name"/);
    expect(totals).toEqual([{ inserted: 2, updated: 0, unchanged: 0 }]);
    expect(
      (await db.query<{ coingecko_id: string }>(`select coingecko_id from assets order by 1`)).map(
        (r) => r.coingecko_id,
      ),
    ).toEqual(['a-coin', 'b-coin']);
  });

  it('handles composite keys with relations, timestamps and dates, and numeric text without float loss', async () => {
    const { rows } = await upsertAssets([asset('bitcoin')]);
    const assetId = String(rows[0].id);
    const timestamp = new Date('2026-01-01T00:15:00Z');
    // Written here without PricesWriteRepository, which creates a month's partition before it writes.
    await db.query(
      `create table if not exists asset_prices_p202601 partition of asset_prices for values from ('2026-01-01Z') to ('2026-02-01Z')`,
    );
    const price = {
      asset: assetId,
      timestamp,
      source: 'coingecko',
      priceUsd: '1.2e-9',
      volume24hUsd: '1e30',
      marketCapUsd: '123456789012345678901234567890.123456789',
      changePercent24h: null,
    };
    const options = {
      conflictOn: ['asset', 'timestamp', 'source'] as ('asset' | 'timestamp' | 'source')[],
      compare: ['priceUsd', 'volume24hUsd', 'marketCapUsd', 'changePercent24h'] as (
        'priceUsd' | 'volume24hUsd' | 'marketCapUsd' | 'changePercent24h'
      )[],
      returning: ['createdAt'] as 'createdAt'[],
      partitioned: true,
    };
    expect(await upsertMany(orm.em.fork(), AssetPriceSchema, [price], options)).toMatchObject({
      inserted: 1,
    });
    const again = await upsertMany(orm.em.fork(), AssetPriceSchema, [price], options);
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
    expect(again.rows).toHaveLength(1);
    expect(
      await db.query(`select price_usd::text, volume_24h_usd::text, market_cap_usd::text from asset_prices`),
    ).toEqual([
      {
        price_usd: '0.0000000012',
        volume_24h_usd: '1000000000000000000000000000000',
        market_cap_usd: '123456789012345678901234567890.123456789',
      },
    ]);

    const ranking = {
      asset: assetId,
      snapshotDate: '2026-01-01',
      source: 'coingecko',
      rank: 1,
      priceUsd: '100',
    };
    const rankingOptions = {
      conflictOn: ['asset', 'snapshotDate', 'source'] as ('asset' | 'snapshotDate' | 'source')[],
      compare: ['rank', 'priceUsd'] as ('rank' | 'priceUsd')[],
      touch: ['updatedAt'] as 'updatedAt'[],
      returning: ['id'] as 'id'[],
    };
    expect(await upsertMany(orm.em.fork(), AssetRankingSchema, [ranking], rankingOptions)).toMatchObject({
      inserted: 1,
    });
    const unchanged = await upsertMany(orm.em.fork(), AssetRankingSchema, [ranking], rankingOptions);
    expect(unchanged).toMatchObject({ unchanged: 1 });
    expect(unchanged.rows).toEqual([
      { asset: assetId, snapshotDate: '2026-01-01', source: 'coingecko', id: expect.any(String) as unknown },
    ]);
  });
});
