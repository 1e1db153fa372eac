import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PriceGapsRepository } from '../../src/assets/price-gaps.repository.js';
import { PricesWriteRepository, type PriceRow } from '../../src/assets/write/prices.write-repository.js';
import {
  PriceFlagsWriteRepository,
  type RecordedFlags,
} from '../../src/prices-quality/price-flags.write-repository.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const SLOT_MS = 15 * 60_000;
const START = Date.parse('2026-11-30T20:00:00Z');
const at = (slot: number) => new Date(START + slot * SLOT_MS);
const iso = (slot: number) => at(slot).toISOString().replace('.000Z', 'Z');

interface Flag {
  timestamp: string;
  kind: string;
  detail: Record<string, unknown>;
}

describe('spike and freeze detection on every raw price write', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let prices: PricesWriteRepository;
  let assetId: string;
  const heard: RecordedFlags[] = [];

  const row = (slot: number, price: string, volume: string | null = '1000000'): PriceRow => ({
    assetId,
    timestamp: at(slot),
    priceUsd: price,
    volume24hUsd: volume,
    marketCapUsd: null,
    changePercent24h: null,
  });
  /** One write per slot, as price_collection makes them. */
  const collect = async (series: readonly (string | [string, string | null])[], first = 0) => {
    for (const [index, point] of series.entries()) {
      const [price, volume] = Array.isArray(point) ? point : [point, '1000000'];
      await prices.upsertPrices([row(first + index, price, volume)]);
    }
  };
  const flags = async (): Promise<Flag[]> =>
    (
      await db.query<{ ts: Date; kind: string; detail: Record<string, unknown> }>(
        `select timestamp as ts, kind, detail from price_flags where asset_id = $1 order by timestamp, kind`,
        [assetId],
      )
    ).map(({ ts, kind, detail }) => ({ timestamp: ts.toISOString().replace('.000Z', 'Z'), kind, detail }));

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url });
    prices = running.app.get(PricesWriteRepository);
    running.app.get(PriceFlagsWriteRepository).onRecorded((recorded) => heard.push(recorded));
  });

  beforeEach(async () => {
    heard.length = 0;
    [{ id: assetId }] = await db.query<{ id: string }>(
      `insert into assets (coingecko_id, symbol, name) values (gen_random_uuid()::text, 'X', 'X') returning id`,
    );
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('flags a spike up once its right neighbour arrives, with both neighbours and the factor', async () => {
    await collect(['100', '101', '1050']);
    expect(await flags()).toEqual([]);
    await collect(['102'], 3);
    expect(await flags()).toEqual([
      {
        timestamp: iso(2),
        kind: 'spike',
        detail: {
          direction: 'up',
          price_usd: '1050',
          previous: { timestamp: iso(1), price_usd: '101' },
          next: { timestamp: iso(3), price_usd: '102' },
          factor: 10.29,
          threshold: 10,
        },
      },
    ]);
    expect(heard.map((recorded) => recorded.flags.map((flag) => flag.kind))).toEqual([['spike']]);
    // The flagged point stays stored.
    expect(
      await db.query(`select 1 from asset_prices where asset_id = $1 and price_usd = 1050`, [assetId]),
    ).toHaveLength(1);
  });

  it('flags a drop to a hundredth as a spike down, and neither a step nor a 10×-or-less move', async () => {
    await collect(['100', '0.9', '100', '100.5', '1100', '1101', '1102', '110.3', '1103']);
    const found = await flags();
    expect(found.map((flag) => [flag.timestamp, flag.kind, flag.detail.direction])).toEqual([
      [iso(1), 'spike', 'down'],
    ]);
    expect(found[0].detail.factor).toBe(111.11);
  });

  it('flags a freeze from the point its run of equal prices lasts PRICE_FREEZE_HOURS, and every later one', async () => {
    // 11 equal points: the run reaches 2 h at its 9th point (slot 9).
    await collect(['5', ...Array<string>(11).fill('5.25'), '5.3']);
    const found = await flags();
    expect(found.map((flag) => [flag.timestamp, flag.kind])).toEqual([
      [iso(9), 'freeze'],
      [iso(10), 'freeze'],
      [iso(11), 'freeze'],
    ]);
    expect(found[0].detail).toEqual({
      price_usd: '5.25',
      run_start: iso(1),
      hours: 2,
      volume_24h_usd: '1000000',
      threshold_hours: 2,
    });
    expect(found[2].detail.hours).toBe(2.5);
  });

  it('does not flag an equal price without volume, nor a run shorter than the duration', async () => {
    await collect([
      ...Array<[string, string | null]>(10).fill(['7', '0']),
      ...Array<[string, string | null]>(3).fill(['7', null]),
    ]);
    await collect([...Array<string>(8).fill('8'), '9'], 20);
    expect(await flags()).toEqual([]);
  });

  it('records nothing twice: writing the same points again adds no flag and announces none', async () => {
    const series = ['100', '1', '100', '100', '100', '100', '100', '100', '100', '100', '100'];
    await collect(series);
    const first = await flags();
    expect(first.map((flag) => flag.kind)).toEqual(['spike', 'freeze']);
    heard.length = 0;
    await prices.upsertPrices(series.map((price, slot) => row(slot, price)));
    await collect(series);
    expect(await flags()).toEqual(first);
    expect(heard).toEqual([]);
  });

  it('judges a point a gap repair inserts between stored ones, in the repair’s write', async () => {
    await collect(['100', '101']);
    await collect(['102', '103'], 3);
    await running.app.get(PriceGapsRepository).insertMissing([
      {
        assetId,
        timestamp: at(2),
        priceUsd: '5000',
        marketCapUsd: null,
        volume24hUsd: '1',
        priceDayBefore: null,
      },
    ]);
    expect((await flags()).map((flag) => [flag.timestamp, flag.kind])).toEqual([[iso(2), 'spike']]);
  });

  it('judges a whole batch at once the same as one slot at a time', async () => {
    const series = ['10', '10.1', '200', '10.2', ...Array<string>(9).fill('10.3'), '10.4'];
    await prices.upsertPrices(series.map((price, slot) => row(slot, price)));
    const batch = await flags();
    const [{ id: other }] = await db.query<{ id: string }>(
      `insert into assets (coingecko_id, symbol, name) values (gen_random_uuid()::text, 'Y', 'Y') returning id`,
    );
    assetId = other;
    await collect(series);
    expect(await flags()).toEqual(batch);
    expect(batch.map((flag) => [flag.timestamp, flag.kind])).toEqual([
      [iso(2), 'spike'],
      [iso(12), 'freeze'],
    ]);
  });
});
