import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PricesWriteRepository, type PriceRow } from '../../src/assets/write/prices.write-repository.js';
import type { ProviderName } from '../../src/providers/provider-name.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { relationsRead, statementsOf } from './price-reads.support.js';

const TOKEN = 'price-sources-token-0123456789abcdef';
const UNKNOWN = 'source must be one of the known providers: coingecko, coinpaprika';

/*
 * One coin priced by both providers on 2026-11-27, as fallback slots and later repairs leave it:
 *   00:00 both · 00:15 CoinPaprika only (CoinGecko missed the slot) · 00:30 both · 01:00 CoinGecko only ·
 *   02:00 CoinPaprika only. Flags: a spike on CoinGecko's 00:30, a freeze on CoinPaprika's 00:15 and a
 *   divergence on CoinPaprika's 00:30. The same database is read by three services that differ only in
 *   PRICE_PROVIDERS.
 */
const PRICES: Array<[string, ProviderName, string]> = [
  ['00:00', 'coingecko', '10'],
  ['00:00', 'coinpaprika', '11'],
  ['00:15', 'coinpaprika', '13'],
  ['00:30', 'coingecko', '14'],
  ['00:30', 'coinpaprika', '15'],
  ['01:00', 'coingecko', '20'],
  ['02:00', 'coinpaprika', '30'],
];
const at = (time: string): string => `2026-11-27T${time}:00.000Z`;

const SPIKE = { kind: 'spike', detail: { factor: 10, previous: '10', next: '20' } };
const FREEZE = { kind: 'freeze', detail: { run_start: '2026-11-26T22:00:00.000Z', hours: 2 } };
const DIVERGENCE = { kind: 'divergence', detail: { other_source: 'coingecko', percent: '7.14' } };

interface Point {
  t: string;
  open: string;
  close: string;
  points: number;
  source?: string;
  flags?: unknown[];
}
interface Series {
  source: string;
  points: Point[];
}
interface PricesAt {
  items: Array<{ asset_id: string; timestamp: string; price_usd: string; source: string; flags?: unknown[] }>;
  missing: Array<{ asset: string; reason: string }>;
}
interface PricePage {
  items: Array<{ timestamp: string; price_usd: string; source: string; flags?: unknown[] }>;
}

describe('price reads by provider preference (e2e)', () => {
  let db: TestDatabase;
  /** PRICE_PROVIDERS=coingecko,coinpaprika */
  let both: RunningApp;
  /** PRICE_PROVIDERS=coinpaprika,coingecko */
  let flipped: RunningApp;
  /** PRICE_PROVIDERS unset: coingecko alone */
  let alone: RunningApp;
  let coin: string;

  async function get<T>(app: RunningApp, path: string): Promise<{ status: number; body: T }> {
    const response = await fetch(`${app.baseUrl}/api/v1${path}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return { status: response.status, body: (await response.json()) as T };
  }
  const series = (app: RunningApp, query: string) =>
    get<Series>(app, `/assets/${coin}/prices/series?from=${at('00:00')}&to=${at('02:59')}&${query}`);
  const pricesAt = (app: RunningApp, query: string) =>
    get<PricesAt>(app, `/prices/at?assets=${coin}&${query}`);
  const history = (app: RunningApp, query = '') => get<PricePage>(app, `/assets/${coin}/prices?${query}`);
  const brief = (points: Point[]) =>
    points.map(({ t, close, source, flags }) => [t.slice(11, 16), close, source, flags]);

  beforeAll(async () => {
    db = await createTestDatabase();
    both = await startApp({
      DATABASE_URL: db.url,
      API_TOKENS: TOKEN,
      PRICE_PROVIDERS: 'coingecko,coinpaprika',
      // The spec places its own flags below; the write's divergence check would add more on the slots where its
      // two providers' test prices differ (tested in test/prices-quality/divergence-on-write.e2e-spec.ts).
      PRICE_DIVERGENCE_PERCENT: '1000',
    });
    flipped = await startApp({
      DATABASE_URL: db.url,
      API_TOKENS: TOKEN,
      PRICE_PROVIDERS: 'coinpaprika,coingecko',
    });
    alone = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN });
    const [row] = await db.query<{ id: string }>(
      `insert into assets (coingecko_id, symbol, name) values ('pref-coin', 'PREF', 'Preference') returning id`,
    );
    coin = row.id;
    const rows = PRICES.map(([time, source, price]): PriceRow => ({
      assetId: coin,
      source,
      timestamp: new Date(at(time)),
      priceUsd: price,
      volume24hUsd: null,
      marketCapUsd: null,
      changePercent24h: null,
    }));
    await both.app.get(PricesWriteRepository).upsertPrices(rows);
    for (const [time, source, flag] of [
      ['00:30', 'coingecko', SPIKE],
      ['00:15', 'coinpaprika', FREEZE],
      ['00:30', 'coinpaprika', DIVERGENCE],
    ] as const) {
      await db.query(
        `insert into price_flags (asset_id, timestamp, source, kind, detail) values ($1, $2, $3, $4, $5)
         on conflict do nothing`,
        [coin, at(time), source, flag.kind, JSON.stringify(flag.detail)],
      );
    }
  }, 120_000);

  afterAll(async () => {
    await both?.close();
    await flipped?.close();
    await alone?.close();
    await db?.drop();
  });

  describe('the series', () => {
    it('takes each bucket from the first provider that has it, names the source of each, and its flags', async () => {
      const answer = await series(both, 'interval=15m');
      expect(answer.status).toBe(200);
      expect(answer.body.source).toBe('mixed');
      expect(brief(answer.body.points)).toEqual([
        ['00:00', '10', 'coingecko', undefined],
        ['00:15', '13', 'coinpaprika', [{ ...FREEZE, timestamp: at('00:15') }]],
        ['00:30', '14', 'coingecko', [{ ...SPIKE, timestamp: at('00:30') }]],
        ['01:00', '20', 'coingecko', undefined],
        ['02:00', '30', 'coinpaprika', undefined],
      ]);
      // An unflagged point has no flags field at all.
      expect(Object.keys(answer.body.points[0]).sort()).toEqual(
        ['close', 'high', 'low', 'open', 'points', 't', 'source'].sort(),
      );
    });

    it('flipping PRICE_PROVIDERS flips the answer', async () => {
      expect(brief((await series(flipped, 'interval=15m')).body.points)).toEqual([
        ['00:00', '11', 'coinpaprika', undefined],
        ['00:15', '13', 'coinpaprika', [{ ...FREEZE, timestamp: at('00:15') }]],
        ['00:30', '15', 'coinpaprika', [{ ...DIVERGENCE, timestamp: at('00:30') }]],
        ['01:00', '20', 'coingecko', undefined],
        ['02:00', '30', 'coinpaprika', undefined],
      ]);
    });

    it('picks rollup buckets by preference, with the flags of the chosen source inside each', async () => {
      const hours = await series(both, 'interval=1h');
      expect(hours.body.source).toBe('mixed');
      expect(
        hours.body.points.map(({ t, open, close, points, source }) => [t, open, close, points, source]),
      ).toEqual([
        [at('00:00'), '10', '14', 2, 'coingecko'],
        [at('01:00'), '20', '20', 1, 'coingecko'],
        [at('02:00'), '30', '30', 1, 'coinpaprika'],
      ]);
      expect(hours.body.points[0].flags).toEqual([{ ...SPIKE, timestamp: at('00:30') }]);
      const flippedHours = await series(flipped, 'interval=4h');
      // One 4-hour bucket, CoinPaprika's (00:00, 00:15, 00:30 and 02:00): its two flags, oldest first.
      expect(flippedHours.body).toMatchObject({ source: 'coinpaprika' });
      expect(flippedHours.body.points).toEqual([
        {
          t: at('00:00'),
          open: '11',
          high: '30',
          low: '11',
          close: '30',
          points: 4,
          flags: [
            { ...FREEZE, timestamp: at('00:15') },
            { ...DIVERGENCE, timestamp: at('00:30') },
          ],
        },
      ]);
      expect((await series(both, 'interval=1d')).body).toMatchObject({
        source: 'coingecko',
        points: [{ t: at('00:00'), open: '10', close: '20', points: 3 }],
      });
    });

    it('reads a provider not in PRICE_PROVIDERS only when source asks for it', async () => {
      const answer = await series(alone, 'interval=15m');
      expect(answer.body.source).toBe('coingecko');
      expect(brief(answer.body.points)).toEqual([
        ['00:00', '10', undefined, undefined],
        ['00:30', '14', undefined, [{ ...SPIKE, timestamp: at('00:30') }]],
        ['01:00', '20', undefined, undefined],
      ]);
      const asked = await series(alone, 'interval=15m&source=coinpaprika');
      expect(asked.body.source).toBe('coinpaprika');
      expect(brief(asked.body.points).map(([t, close]) => [t, close])).toEqual([
        ['00:00', '11'],
        ['00:15', '13'],
        ['00:30', '15'],
        ['02:00', '30'],
      ]);
      // An explicit source overrides the order too, and an empty range still names the preferred provider.
      expect((await series(both, 'interval=15m&source=coingecko')).body.source).toBe('coingecko');
      const empty = await get<Series>(
        flipped,
        `/assets/${coin}/prices/series?from=2026-11-20T00:00:00Z&to=2026-11-20T01:00:00Z`,
      );
      expect(empty.body).toMatchObject({ source: 'coinpaprika', points: [] });
    });
  });

  describe('prices/at', () => {
    it('answers the newest slot by preference, a missed slot by the next provider, with flags', async () => {
      expect((await pricesAt(both, `at=${at('00:40')}`)).body.items).toEqual([
        { asset_id: coin, timestamp: at('00:30'), price_usd: '14', source: 'coingecko', flags: [SPIKE] },
      ]);
      expect((await pricesAt(flipped, `at=${at('00:40')}`)).body.items).toEqual([
        {
          asset_id: coin,
          timestamp: at('00:30'),
          price_usd: '15',
          source: 'coinpaprika',
          flags: [DIVERGENCE],
        },
      ]);
      expect((await pricesAt(both, `at=${at('00:20')}`)).body.items).toEqual([
        { asset_id: coin, timestamp: at('00:15'), price_usd: '13', source: 'coinpaprika', flags: [FREEZE] },
      ]);
      expect((await pricesAt(both, `at=${at('00:05')}`)).body.items).toEqual([
        { asset_id: coin, timestamp: at('00:00'), price_usd: '10', source: 'coingecko' },
      ]);
    });

    it('never answers a provider outside PRICE_PROVIDERS unless asked', async () => {
      expect((await pricesAt(alone, `at=${at('00:20')}&max_age=PT10M`)).body).toMatchObject({
        items: [],
        missing: [{ asset: coin, reason: 'no_price_within_max_age' }],
      });
      expect(
        (await pricesAt(alone, `at=${at('00:20')}&max_age=PT10M&source=coinpaprika`)).body.items,
      ).toEqual([
        { asset_id: coin, timestamp: at('00:15'), price_usd: '13', source: 'coinpaprika', flags: [FREEZE] },
      ]);
      expect((await pricesAt(both, `at=${at('02:30')}&source=coingecko`)).body.items).toMatchObject([
        { timestamp: at('01:00'), source: 'coingecko' },
      ]);
    });

    it('stays one SQL statement reading only its window’s partition, with two providers', async () => {
      // By CoinGecko id, so the statement resolves the asset too.
      const { result, statements } = await statementsOf(() =>
        get<PricesAt>(both, `/prices/at?assets=pref-coin&at=${at('00:40')}`),
      );
      expect(result.body.items).toMatchObject([{ source: 'coingecko', flags: [SPIKE] }]);
      const queries = statements.filter(({ text }) => /^\s*(select|with)\b/i.test(text));
      expect(queries, queries.map(({ text }) => text).join('\n---\n')).toHaveLength(1);
      const raw = (await relationsRead(db, queries[0])).filter((name) => /^asset_prices_p\d{6}$/.test(name));
      expect(raw).toEqual(['asset_prices_p202611']);
    });
  });

  describe('the price history list and the asset’s latest price', () => {
    it('gives one price per time by preference, with flags; source picks one provider', async () => {
      const listed = (page: PricePage) =>
        page.items.map(({ timestamp, price_usd, source, flags }) => [
          timestamp.slice(11, 16),
          price_usd,
          source,
          flags,
        ]);
      expect(listed((await history(both)).body)).toEqual([
        ['02:00', '30', 'coinpaprika', undefined],
        ['01:00', '20', 'coingecko', undefined],
        ['00:30', '14', 'coingecko', [SPIKE]],
        ['00:15', '13', 'coinpaprika', [FREEZE]],
        ['00:00', '10', 'coingecko', undefined],
      ]);
      expect(listed((await history(flipped, 'limit=2&source=coingecko')).body)).toEqual([
        ['01:00', '20', 'coingecko', undefined],
        ['00:30', '14', 'coingecko', [SPIKE]],
      ]);
      expect(listed((await history(alone)).body).map(([t]) => t)).toEqual(['01:00', '00:30', '00:00']);
    });

    it('pages by time without skipping a price of the other provider', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `limit=1${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await get<PricePage & { next_cursor: string | null }>(
          flipped,
          `/assets/${coin}/prices?${query}`,
        );
        seen.push(...page.body.items.map((item) => `${item.timestamp.slice(11, 16)} ${item.source}`));
        cursor = page.body.next_cursor;
      } while (cursor !== null);
      expect(seen).toEqual([
        '02:00 coinpaprika',
        '01:00 coingecko',
        '00:30 coinpaprika',
        '00:15 coinpaprika',
        '00:00 coinpaprika',
      ]);
    });

    it('GET /assets/{id} shows the latest price by preference', async () => {
      const latest = async (app: RunningApp) =>
        (await get<{ latest_price: { timestamp: string; source: string } }>(app, `/assets/${coin}`)).body
          .latest_price;
      expect(await latest(both)).toMatchObject({
        timestamp: at('02:00'),
        source: 'coinpaprika',
        price_usd: '30',
      });
      expect(await latest(alone)).toMatchObject({
        timestamp: at('01:00'),
        source: 'coingecko',
        price_usd: '20',
      });
    });
  });

  it('answers 400 naming the known providers for an unknown source, on every price read', async () => {
    for (const path of [
      `/assets/${coin}/prices/series?source=kraken`,
      `/prices/at?assets=${coin}&source=kraken`,
      `/assets/${coin}/prices?source=CoinGecko`,
    ]) {
      const answer = await get<{ statusCode: number; error: string; message: string }>(both, path);
      expect(answer, path).toMatchObject({
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', message: UNKNOWN },
      });
    }
  });
});
