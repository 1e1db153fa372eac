import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PriceGapsRepository } from '../../src/assets/price-gaps.repository.js';
import { AssetsWriteRepository } from '../../src/assets/write/assets.write-repository.js';
import { PriceHistoryCoverageRepository } from '../../src/collectors/price-history-backfill/price-history-coverage.repository.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/*
 * "The latest ranking" decides what the price job prices, and gap repair and the history backfill must mean the
 * same assets: while CoinGecko is down, top_coins_collection ranks the day from CoinPaprika, and an asset that
 * entered that ranking is priced, so its holes are repaired and its history backfilled; one that left it is not.
 */
describe('the latest ranking, the same for the price job, gap repair and the backfill', () => {
  let db: TestDatabase;
  let both: RunningApp;
  let alone: RunningApp;
  const ids: Record<'stayed' | 'left' | 'entered', string> = { stayed: '', left: '', entered: '' };

  beforeAll(async () => {
    db = await createTestDatabase();
    both = await startApp({ DATABASE_URL: db.url, PRICE_PROVIDERS: 'coingecko,coinpaprika' });
    alone = await startApp({ DATABASE_URL: db.url });
    for (const key of Object.keys(ids) as (keyof typeof ids)[]) {
      const [row] = await db.query<{ id: string }>(
        `insert into assets (coingecko_id, symbol, name) values ($1, upper($1), $1) returning id`,
        [key],
      );
      ids[key] = row.id;
    }
    // Yesterday CoinGecko ranked `stayed` and `left`; today only CoinPaprika answered, ranking `stayed` and `entered`.
    await db.query(
      `insert into asset_rankings (asset_id, snapshot_date, source, rank)
       values ($1, current_date - 1, 'coingecko', 1), ($2, current_date - 1, 'coingecko', 2),
              ($1, current_date, 'coinpaprika', 1), ($3, current_date, 'coinpaprika', 2)`,
      [ids.stayed, ids.left, ids.entered],
    );
  }, 120_000);

  afterAll(async () => {
    await both?.close();
    await alone?.close();
    await db?.drop();
  });

  async function pricedBy(app: RunningApp): Promise<Record<string, string[]>> {
    const tracked = (await app.app.get(AssetsWriteRepository).trackedAssets(10)).map((a) => a.coingeckoId);
    const gaps = app.app.get(PriceGapsRepository);
    const repaired: string[] = [];
    for (const [key, id] of Object.entries(ids)) if (await gaps.isPriced(id, 10)) repaired.push(key);
    const candidates = await app.app.get(PriceHistoryCoverageRepository).candidates(10, 3, 10);
    const backfilled = candidates.map((c) => c.coingeckoId);
    return { tracked: tracked.sort(), repaired: repaired.sort(), backfilled: backfilled.sort() };
  }

  it('is the newest day of any ranking source when CoinPaprika is configured', async () => {
    expect(await pricedBy(both)).toEqual({
      tracked: ['entered', 'stayed'],
      repaired: ['entered', 'stayed'],
      backfilled: ['entered', 'stayed'],
    });
  });

  it("is CoinGecko's newest day with CoinGecko alone, as before there were two", async () => {
    expect(await pricedBy(alone)).toEqual({
      tracked: ['left', 'stayed'],
      repaired: ['left', 'stayed'],
      backfilled: ['left', 'stayed'],
    });
  });
});
