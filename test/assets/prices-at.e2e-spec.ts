import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PricesWriteRepository } from '../../src/assets/write/prices.write-repository.js';
import { JOB_CLOCK, type Clock } from '../../src/jobs/clock.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { relationsRead, statementsOf } from './price-reads.support.js';

const TOKEN = 'prices-at-token-0123456789abcdef';
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const AT = '2026-11-27T00:00:00Z';
const COINS = 100;

interface PricesAt {
  at: string;
  items: Array<{ asset_id: string; timestamp: string; price_usd: string; source: string }>;
  missing: Array<{ asset: string; reason: string }>;
}

const name = (n: number): string => `at-coin-${String(n).padStart(3, '0')}`;

/*
 * 100 assets: coins 1–98 priced at 23:45 the day before AT and at 00:15 after it (n, then n.5, with the
 * exact decimal tail of `0.000000000000000001`); coin 99 only a week earlier; coin 100 never.
 */
describe('GET /prices/at (e2e)', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let clock: Clock;
  const ids: string[] = [];

  async function get<T = PricesAt>(query: string, token: string | null = TOKEN) {
    const response = await fetch(`${running.baseUrl}/api/v1/prices/at?${query}`, {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: (await response.json()) as T };
  }
  const price = (n: number): string => `${n}.000000000000000001`;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN });
    clock = running.app.get<Clock>(JOB_CLOCK);
    const rows = await db.query<{ id: string }>(
      `insert into assets (coingecko_id, symbol, name)
       select 'at-coin-' || lpad(n::text, 3, '0'), 'AT' || n, 'At ' || n from generate_series(1, $1::int) n
       order by n returning id`,
      [COINS],
    );
    ids.push(...rows.map((row) => row.id));
    const row = (n: number, at: string, priceUsd: string) => ({
      assetId: ids[n - 1],
      timestamp: new Date(at),
      priceUsd,
      volume24hUsd: null,
      marketCapUsd: null,
      changePercent24h: null,
    });
    const priced = Array.from({ length: COINS - 2 }, (_, k) => k + 1);
    const writer = running.app.get(PricesWriteRepository);
    await writer.upsertPrices(priced.map((n) => row(n, '2026-11-26T23:45:00Z', price(n))));
    await writer.upsertPrices(priced.map((n) => row(n, '2026-11-27T00:15:00Z', `${n}.5`)));
    await writer.upsertPrices([row(99, '2026-11-20T00:00:00Z', '99')]);
    await writer.upsertPrices([row(1, '2026-10-31T23:00:00Z', '0.5')]);
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await running?.close();
    await db?.drop();
  });

  it('answers 100 assets in one SQL statement, in request order, with the missing ones and why', async () => {
    const { result: answer, statements } = await statementsOf(() => get(`assets=${ids.join(',')}&at=${AT}`));
    expect(answer.status).toBe(200);
    expect(answer.body.at).toBe('2026-11-27T00:00:00.000Z');
    expect(answer.body.items).toEqual(
      ids.slice(0, COINS - 2).map((id, k) => ({
        asset_id: id,
        timestamp: '2026-11-26T23:45:00.000Z',
        price_usd: price(k + 1),
        source: 'coingecko',
      })),
    );
    expect(answer.body.missing).toEqual([
      { asset: ids[98], reason: 'no_price_within_max_age' },
      { asset: ids[99], reason: 'no_price_within_max_age' },
    ]);
    const queries = statements.filter(({ text }) => /^\s*(select|with)\b/i.test(text));
    expect(queries, queries.map(({ text }) => text).join('\n---\n')).toHaveLength(1);
    // The window (at - max_age, at] is one day of November: no other month's partition is in the plan.
    expect((await relationsRead(db, queries[0])).filter((table) => table.startsWith('asset_prices'))).toEqual(
      ['asset_prices_p202611'],
    );
  });

  it('reads the partitions of its window only, across a month boundary too', async () => {
    const { result, statements } = await statementsOf(() =>
      get(`assets=${name(1)}&at=2026-11-01T06:00:00Z&max_age=PT12H`),
    );
    expect(result.body.items).toEqual([
      { asset_id: ids[0], timestamp: '2026-10-31T23:00:00.000Z', price_usd: '0.5', source: 'coingecko' },
    ]);
    const relations = await relationsRead(db, statements.filter(({ text }) => /asset_prices/.test(text))[0]);
    expect(relations.filter((table) => table.startsWith('asset_prices'))).toEqual([
      'asset_prices_p202610',
      'asset_prices_p202611',
    ]);
  });

  it('accepts CoinGecko ids, answers each asset once, and names unknown ones as sent', async () => {
    const answer = await get(
      `assets=${name(2)},nope-coin,${ids[2].toUpperCase()},${name(3)},${name(2).toUpperCase()},${MISSING_ID},,&at=${AT}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((item) => [item.asset_id, item.price_usd])).toEqual([
      [ids[1], price(2)],
      [ids[2], price(3)],
    ]);
    expect(answer.body.missing).toEqual([
      { asset: 'nope-coin', reason: 'unknown_asset' },
      { asset: MISSING_ID, reason: 'unknown_asset' },
    ]);
  });

  it('max_age bounds how old the price may be, exclusively; at defaults to the clock', async () => {
    const found = async (query: string): Promise<string[]> =>
      (await get(`assets=${name(5)},${name(99)}&${query}`)).body.items.map((item) => item.price_usd);
    expect(await found(`at=${AT}&max_age=PT15M`)).toEqual([]);
    expect(await found(`at=${AT}&max_age=PT16M`)).toEqual([price(5)]);
    // Coin 99's price is exactly a week old: P7D leaves it out, P8D (or a month) reaches it.
    expect(await found(`at=${AT}&max_age=P7D`)).toEqual([price(5)]);
    expect(await found(`at=${AT}&max_age=P8D`)).toEqual([price(5), '99']);
    expect(await found(`at=${AT}&max_age=P1M`)).toEqual([price(5), '99']);
    vi.spyOn(clock, 'now').mockReturnValue(new Date('2026-11-27T00:20:00Z'));
    const now = await get(`assets=${name(5)}`);
    expect(now.body).toMatchObject({ at: '2026-11-27T00:20:00.000Z', items: [{ price_usd: '5.5' }] });
    vi.restoreAllMocks();
  });

  it('reads another provider only when source asks for it', async () => {
    const answer = await get(`assets=${name(5)}&at=${AT}&source=coinpaprika`);
    expect(answer.body).toEqual({
      at: '2026-11-27T00:00:00.000Z',
      items: [],
      missing: [{ asset: name(5), reason: 'no_price_within_max_age' }],
    });
  });

  it('answers 400 for a missing, empty or too long list and for bad parameters; 401 without a token', async () => {
    const tooMany = Array.from({ length: 501 }, (_, k) => `c${k}`).join(',');
    const cases: Array<[string, string]> = [
      ['', 'assets is required: comma-separated asset ids or CoinGecko ids (e.g. assets=bitcoin,ethereum)'],
      [
        'assets=,,',
        'assets is required: comma-separated asset ids or CoinGecko ids (e.g. assets=bitcoin,ethereum)',
      ],
      [
        'assets=a&assets=b',
        'assets must be one comma-separated list (e.g. assets=bitcoin,ethereum), not a repeated parameter',
      ],
      [`assets=${tooMany}`, 'assets lists 501 assets; at most 500 per request'],
      [
        'assets=bitcoin&max_age=P1H',
        'max_age must be an ISO 8601 duration of whole units, such as PT15M, PT6H, P1D, P7D or P1M',
      ],
      ['assets=bitcoin&max_age=P11Y', 'max_age must be at most 10 years (P10Y)'],
      [
        'assets=bitcoin&at=2026-11-27',
        'at must be an ISO 8601 timestamp with a time zone (e.g. 2026-11-28T00:00:00Z)',
      ],
      ['assets=bitcoin&source=A%20B', 'source must be one of the known providers: coingecko, coinpaprika'],
      ['assets=bitcoin&asset=x', 'property asset should not exist'],
    ];
    for (const [query, message] of cases) {
      const answer = await get<{ statusCode: number; message: string }>(query);
      expect(answer.status, query).toBe(400);
      expect(answer.body.message, query).toBe(message);
    }
    expect(await get(`assets=${name(1)}`, null)).toMatchObject({
      status: 401,
      body: { error: 'Unauthorized' },
    });
  });
});
