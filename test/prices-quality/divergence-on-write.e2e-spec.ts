import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PriceGapsRepository } from '../../src/assets/price-gaps.repository.js';
import { PricesWriteRepository, type PriceRow } from '../../src/assets/write/prices.write-repository.js';
import {
  PriceFlagsWriteRepository,
  type RecordedFlags,
} from '../../src/prices-quality/price-flags.write-repository.js';
import type { ProviderName } from '../../src/providers/provider-name.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const SLOT = new Date('2026-11-30T20:00:00Z');
const SLOT_ISO = '2026-11-30T20:00:00Z';

interface Flag {
  source: string;
  detail: Record<string, unknown>;
}

describe('divergence between two sources of one slot, on every raw price write', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let prices: PricesWriteRepository;
  let assetId: string;
  const heard: RecordedFlags[] = [];

  const write = (source: ProviderName, price: string, timestamp = SLOT) => {
    const row: PriceRow = {
      assetId,
      source,
      timestamp,
      priceUsd: price,
      volume24hUsd: '1000000',
      marketCapUsd: null,
      changePercent24h: null,
    };
    return prices.upsertPrices([row]);
  };
  const divergences = async (): Promise<Flag[]> =>
    db.query<Flag>(
      `select source, detail from price_flags where asset_id = $1 and kind = 'divergence' order by source`,
      [assetId],
    );

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

  it('flags both rows when the second source writes a price more than 3 % away, naming both', async () => {
    await write('coinpaprika', '104');
    expect(await divergences()).toEqual([]);
    await write('coingecko', '100');
    const other = (source: string, price_usd: string) => ({ source, price_usd, timestamp: SLOT_ISO });
    expect(await divergences()).toEqual([
      {
        source: 'coingecko',
        detail: {
          price_usd: '100',
          other: other('coinpaprika', '104'),
          percent: 4,
          threshold_percent: 3,
          found_by: 'write',
        },
      },
      {
        source: 'coinpaprika',
        detail: {
          price_usd: '104',
          other: other('coingecko', '100'),
          percent: 4,
          threshold_percent: 3,
          found_by: 'write',
        },
      },
    ]);
    expect(heard.flatMap((recorded) => recorded.flags.map((flag) => [flag.kind, flag.source]))).toEqual([
      ['divergence', 'coingecko'],
      ['divergence', 'coinpaprika'],
    ]);
  });

  it('a rewrite of the same rows records nothing twice and keeps the first detail', async () => {
    await write('coinpaprika', '110');
    await write('coingecko', '100');
    heard.length = 0;
    await write('coingecko', '100');
    await write('coinpaprika', '110');
    expect(await divergences()).toHaveLength(2);
    expect(heard).toEqual([]);
  });

  it('leaves exactly 3 % alone (more than the threshold is flagged) and flags 3.01 %', async () => {
    await write('coinpaprika', '103');
    await write('coingecko', '100');
    expect(await divergences()).toEqual([]);
    const later = new Date(SLOT.getTime() + 15 * 60_000);
    await write('coinpaprika', '103.01', later);
    await write('coingecko', '100', later);
    expect((await divergences()).map((flag) => flag.detail.percent)).toEqual([3.01, 3.01]);
  });

  it('measures the gap from the lower price, whichever source has it', async () => {
    await write('coingecko', '104');
    await write('coinpaprika', '100');
    expect((await divergences()).map((flag) => flag.detail.percent)).toEqual([4, 4]);
  });

  it('a zero price has no percent: no divergence (a spike check matter)', async () => {
    await write('coinpaprika', '0');
    await write('coingecko', '100');
    expect(await divergences()).toEqual([]);
  });

  it('a gap repair or backfill insert beside a fallback row is judged too', async () => {
    await write('coinpaprika', '90');
    await running.app.get(PriceGapsRepository).insertMissing([
      {
        assetId,
        timestamp: SLOT,
        priceUsd: '100',
        marketCapUsd: null,
        volume24hUsd: null,
        priceDayBefore: null,
      },
    ]);
    expect(await divergences()).toMatchObject([
      {
        source: 'coingecko',
        detail: { price_usd: '100', other: { source: 'coinpaprika', price_usd: '90' } },
      },
      {
        source: 'coinpaprika',
        detail: { price_usd: '90', other: { source: 'coingecko', price_usd: '100' } },
      },
    ]);
    // 100 is 11.11 % above 90.
    expect((await divergences())[0]?.detail.percent).toBe(11.11);
  });

  it('probes only the written slot: rows of other slots never pair up', async () => {
    await write('coinpaprika', '200', new Date(SLOT.getTime() - 15 * 60_000));
    await write('coingecko', '100');
    expect(await divergences()).toEqual([]);
  });
});
