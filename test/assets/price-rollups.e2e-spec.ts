import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PriceGapsRepository, type RepairedPrice } from '../../src/assets/price-gaps.repository.js';
import { PricesWriteRepository, type PriceRow } from '../../src/assets/write/prices.write-repository.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const SLOT_MS = 15 * 60_000;
const FIRST_SLOT = Date.parse('2026-11-30T21:00:00Z');

/** The rollups as a from-scratch GROUP BY over the raw rows gives them. */
function grouped(unit: 'hour' | 'day'): string {
  return `select asset_id::text, date_trunc('${unit}', timestamp, 'UTC')::text as bucket, source,
                 ((array_agg(price_usd order by timestamp))[1])::text as open, max(price_usd)::text as high,
                 min(price_usd)::text as low, ((array_agg(price_usd order by timestamp desc))[1])::text as close,
                 count(*)::int as points,
                 ((array_agg(market_cap_usd order by timestamp desc))[1])::text as market_cap_usd,
                 ((array_agg(volume_24h_usd order by timestamp desc))[1])::text as volume_24h_usd
            from asset_prices group by 1, 2, 3 order by 1, 2, 3`;
}

function stored(table: string): string {
  return `select asset_id::text, bucket::text, source, open::text, high::text, low::text, close::text, points,
                 market_cap_usd::text, volume_24h_usd::text from ${table} order by 1, 2, 3`;
}

describe('price rollups', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let assets: string[] = [];

  const slotRows = (slot: number, bump = 0): PriceRow[] =>
    assets.map((assetId, index) => ({
      assetId,
      timestamp: new Date(FIRST_SLOT + slot * SLOT_MS),
      priceUsd: `${(1000 + index * 10 + ((slot * 7919) % 23) + bump) / 8}`,
      volume24hUsd: slot % 5 === 0 ? null : `${1e6 + slot}`,
      marketCapUsd: `${123456789 + slot}.5`,
      changePercent24h: null,
    }));

  const expectRollupsFromRaw = async () => {
    expect(await db.query(stored('asset_prices_hourly'))).toEqual(await db.query(grouped('hour')));
    expect(await db.query(stored('asset_prices_daily'))).toEqual(await db.query(grouped('day')));
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url });
    await db.query(`insert into assets (coingecko_id, symbol, name)
                    select 'coin-' || n, 'C' || n, 'Coin ' || n from generate_series(1, 4) n`);
    assets = (await db.query<{ id: string }>(`select id from assets order by coingecko_id`)).map(
      (row) => row.id,
    );
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('equal a GROUP BY over the raw rows after collections across a month end, a retried slot and a repaired gap', async () => {
    const prices = running.app.get(PricesWriteRepository);
    const gaps = running.app.get(PriceGapsRepository);
    // 20 slots from 21:00 on Nov 30 into December, slot 7 missed.
    for (let slot = 0; slot < 20; slot++) if (slot !== 7) await prices.upsertPrices(slotRows(slot));
    await expectRollupsFromRaw();

    // A retried slot with the same answer changes nothing; one with new prices rewrites its bucket.
    const before = await db.query(`select xmin::text, * from asset_prices_hourly order by 2, 3, 4`);
    await prices.upsertPrices(slotRows(3));
    expect(await db.query(`select xmin::text, * from asset_prices_hourly order by 2, 3, 4`)).toEqual(before);
    await prices.upsertPrices(slotRows(3, 5000));
    await expectRollupsFromRaw();

    // Gap repair fills slot 7 and leaves the existing slot 8 alone (insert-only).
    const repaired = (slot: number): RepairedPrice[] =>
      slotRows(slot, 1).map((row) => ({
        assetId: row.assetId,
        timestamp: row.timestamp,
        priceUsd: row.priceUsd,
        marketCapUsd: row.marketCapUsd,
        volume24hUsd: row.volume24hUsd,
        priceDayBefore: null,
      }));
    expect(await gaps.insertMissing([...repaired(7), ...repaired(8)])).toBe(assets.length);
    await expectRollupsFromRaw();

    const [hours] = await db.query<{ n: number; points: number }>(
      `select count(*)::int as n, sum(points)::int as points from asset_prices_hourly`,
    );
    expect(hours).toEqual({ n: 5 * assets.length, points: 20 * assets.length });
    const days = await db.query<{ bucket: string }>(
      `select distinct bucket::text from asset_prices_daily order by 1`,
    );
    expect(days).toHaveLength(2);
  });
});
