import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PricePartitions } from '../../src/assets/storage/price-partitions.repository.js';
import { PricesWriteRepository, type PriceRow } from '../../src/assets/write/prices.write-repository.js';
import { type Clock } from '../../src/jobs/clock.js';
import { QUIET_ENV, startClockedApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'storage-token-0123456789abcdef';
const MAINTAIN = '/api/v1/jobs/maintain-price-storage';

interface MaintenanceResult {
  success: boolean;
  status: string;
  metrics: { custom: Record<string, number> };
}

/** 15-minute rows of `assets` from `from` (inclusive) to `to` (exclusive), prices varying by slot. */
function slots(assets: readonly string[], from: string, to: string): PriceRow[] {
  const rows: PriceRow[] = [];
  for (let at = Date.parse(from); at < Date.parse(to); at += 15 * 60_000) {
    for (const [index, assetId] of assets.entries()) {
      rows.push({
        assetId,
        timestamp: new Date(at),
        priceUsd: `${100 + index + ((at / 60_000) % 17)}.25`,
        volume24hUsd: '10',
        marketCapUsd: null,
        changePercent24h: null,
      });
    }
  }
  return rows;
}

describe('price_storage_maintenance', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let now = new Date('2026-12-07T02:15:00Z');
  const clock: Clock = { now: () => now };
  let assets: string[] = [];

  const partitionNames = async () =>
    (
      await db.query<{ name: string }>(
        `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent = 'asset_prices'::regclass order by 1`,
      )
    ).map((row) => row.name);

  const maintain = async (): Promise<MaintenanceResult> => {
    const response = await request(app.getHttpServer())
      .post(MAINTAIN)
      .set('authorization', `Bearer ${TOKEN}`)
      .send({});
    expect(response.status).toBe(200);
    return response.body as MaintenanceResult;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      ...QUIET_ENV,
      DATABASE_URL: db.url,
      API_TOKENS: TOKEN,
      TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
      PRICE_RAW_RETENTION_DAYS: '60',
    };
    app = await startClockedApp(env, { clock });
    await db.query(`insert into assets (coingecko_id, symbol, name)
                    select 'coin-' || n, 'C' || n, 'Coin ' || n from generate_series(1, 3) n`);
    assets = (await db.query<{ id: string }>(`select id from assets order by coingecko_id`)).map(
      (row) => row.id,
    );
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('has the current month and the next two from start-up on', async () => {
    expect(await partitionNames()).toEqual([
      'asset_prices_p202612',
      'asset_prices_p202701',
      'asset_prices_p202702',
    ]);
  });

  it('a write into a month without a partition creates it first, also when writers race for it', async () => {
    const writer = app.get(PricesWriteRepository);
    // A backfill of last summer, three writers at once; and a clock far ahead.
    await Promise.all(
      [0, 1, 2].map((k) =>
        writer.upsertPrices(slots([assets[k]], '2026-07-31T23:00:00Z', '2026-08-01T01:00:00Z')),
      ),
    );
    await writer.upsertPrices(slots(assets, '2031-01-01T00:00:00Z', '2031-01-01T00:30:00Z'));
    expect(await partitionNames()).toEqual([
      'asset_prices_p202607',
      'asset_prices_p202608',
      'asset_prices_p202612',
      'asset_prices_p202701',
      'asset_prices_p202702',
      'asset_prices_p203101',
    ]);
    const [count] = await db.query<{ n: number }>(`select count(*)::int as n from asset_prices`);
    expect(count?.n).toBe(3 * 8 + 3 * 2);
  });

  it('creates the partitions ahead of a new month and drops whole raw months older than the retention', async () => {
    now = new Date('2027-02-10T02:15:00Z');
    const hourlyBefore = await db.query(`select * from asset_prices_hourly order by 1, 2, 3`);
    const dailyBefore = await db.query(`select * from asset_prices_daily order by 1, 2, 3`);
    // 2027-02-10 minus 60 days is 2026-12-12: July and August 2026 ended before it, December did not.
    const first = await maintain();
    expect(first).toMatchObject({ success: true, status: 'succeeded' });
    expect(first.metrics.custom).toMatchObject({
      partitions_created: 2,
      partitions_dropped: 2,
      rows_expired: 3 * 8,
    });
    const names = await partitionNames();
    expect(names).toEqual(expect.arrayContaining(['asset_prices_p202703', 'asset_prices_p202704']));
    expect(names).not.toContain('asset_prices_p202607');
    expect(names).not.toContain('asset_prices_p202608');
    expect(names).toContain('asset_prices_p202612');
    // Detached and dropped: the table is gone, not emptied; the rollups stay as they were.
    expect(await db.query(`select to_regclass('asset_prices_p202607') as t`)).toEqual([{ t: null }]);
    expect(await db.query(`select * from asset_prices_hourly order by 1, 2, 3`)).toEqual(hourlyBefore);
    expect(await db.query(`select * from asset_prices_daily order by 1, 2, 3`)).toEqual(dailyBefore);
    const [raw] = await db.query<{ n: number }>(
      `select count(*)::int as n from asset_prices where timestamp < '2026-09-01Z'`,
    );
    expect(raw?.n).toBe(0);

    const second = await maintain();
    expect(second.metrics.custom).toMatchObject({
      partitions_created: 0,
      partitions_dropped: 0,
      rows_expired: 0,
    });
  });

  it('never drops a month while one of its buckets is missing from the rollups', async () => {
    const writer = app.get(PricesWriteRepository);
    await writer.upsertPrices(slots(assets, '2026-10-10T00:00:00Z', '2026-10-10T03:00:00Z'));
    await writer.upsertPrices(slots(assets, '2026-11-10T00:00:00Z', '2026-11-10T03:00:00Z'));
    // One hour of October lost from the hourly rollup, one day of November counted short in the daily one.
    await db.query(
      `delete from asset_prices_hourly where bucket = '2026-10-10T01:00:00Z' and asset_id = $1`,
      [assets[0]],
    );
    await db.query(`update asset_prices_daily set points = points - 1 where bucket = '2026-11-10T00:00:00Z'`);
    const result = await maintain();
    expect(result.metrics.custom).toMatchObject({ partitions_dropped: 0, partitions_kept_uncovered: 2 });
    expect(await partitionNames()).toEqual(
      expect.arrayContaining(['asset_prices_p202610', 'asset_prices_p202611']),
    );

    // Rewriting the same rows recomputes the buckets from the raw rows: then the months go.
    await writer.upsertPrices(slots(assets, '2026-10-10T00:00:00Z', '2026-10-10T03:00:00Z'));
    await writer.upsertPrices(slots(assets, '2026-11-10T00:00:00Z', '2026-11-10T03:00:00Z'));
    const after = await maintain();
    expect(after.metrics.custom).toMatchObject({ partitions_dropped: 2, rows_expired: 2 * 3 * 12 });
  });

  it('refuses a body other than {} and runs nothing', async () => {
    const response = await request(app.getHttpServer())
      .post(MAINTAIN)
      .set('authorization', `Bearer ${TOKEN}`)
      .send({ limit: 1 });
    expect(response.status).toBe(400);
  });

  it('lists only monthly partitions', async () => {
    const months = await app.get(PricePartitions).list();
    expect(months.every((month) => /^asset_prices_p\d{6}$/.test(month.name))).toBe(true);
  });
});
