import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/http/keyset-cursor.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { statementsOf } from '../assets/price-reads.support.js';

const TOKEN = 'price-flags-token-0123456789abcdef';

interface Item {
  asset_id: string;
  coingecko_id: string;
  symbol: string;
  timestamp: string;
  source: string;
  kind: string;
  detail: Record<string, unknown>;
  created_at: string;
}
interface Page {
  items: Item[];
  next_cursor: string | null;
}
interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/*
 * Nine flags of three coins at three instants: five share 10:00 (two coins with two flags each, on one or two
 * sources), two share 09:45, and two share an instant with microseconds. Newest first, ties by asset, source and
 * kind (descending): whatever the page size, paging must give each flag exactly once, in that order.
 */
const T2 = '2026-11-27T10:00:00Z';
const T1 = '2026-11-27T09:45:00Z';
const T0 = '2026-11-27T09:30:00.000123Z';
type Coin = 'bitcoin' | 'ethereum' | 'dogecoin';
const SEED: Array<[Coin, string, string, string]> = [
  ['bitcoin', T2, 'coingecko', 'spike'],
  ['bitcoin', T2, 'coinpaprika', 'divergence'],
  ['ethereum', T2, 'coingecko', 'freeze'],
  ['ethereum', T2, 'coingecko', 'spike'],
  ['dogecoin', T2, 'coinpaprika', 'freeze'],
  ['bitcoin', T1, 'coingecko', 'freeze'],
  ['ethereum', T1, 'coinpaprika', 'divergence'],
  ['dogecoin', T0, 'coingecko', 'spike'],
  ['bitcoin', T0, 'coingecko', 'spike'],
];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}
const find = (node: PlanNode, test: (node: PlanNode) => boolean): PlanNode | undefined =>
  test(node) ? node : node.Plans?.map((child) => find(child, test)).find((found) => found !== undefined);

const key = (item: Pick<Item, 'coingecko_id' | 'timestamp' | 'source' | 'kind'>): string =>
  `${item.coingecko_id} ${item.timestamp} ${item.source} ${item.kind}`;

describe('GET /prices/flags (e2e)', () => {
  let db: TestDatabase;
  let running: RunningApp;
  const ids = {} as Record<Coin, string>;
  let quiet: string;
  /** The seeded flags as the route must answer them, newest first. */
  let expected: string[];

  async function get<T = Page>(
    query: string,
    token: string | null = TOKEN,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${running.baseUrl}/api/v1/prices/flags${query}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Every page of a query, following next_cursor. */
  async function all(query: string, limit: number): Promise<{ items: Item[]; pages: number }> {
    const items: Item[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep = query ? '&' : '';
      const suffix: string = cursor ? `&cursor=${cursor}` : '';
      const { status, body } = await get(`?${query}${sep}limit=${limit}${suffix}`);
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(limit);
      items.push(...body.items);
      cursor = body.next_cursor;
      pages += 1;
      expect(pages).toBeLessThan(100);
    } while (cursor);
    return { items, pages };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN });
    for (const [coin, symbol] of [
      ['bitcoin', 'BTC'],
      ['ethereum', 'ETH'],
      ['dogecoin', 'DOGE'],
    ] as const) {
      const [row] = await db.query<{ id: string }>(
        `insert into assets (coingecko_id, symbol, name) values ($1, $2, $1) returning id`,
        [coin, symbol],
      );
      ids[coin] = row.id;
    }
    [{ id: quiet }] = await db.query<{ id: string }>(
      `insert into assets (coingecko_id, symbol, name) values ('quiet', 'QT', 'Quiet') returning id`,
    );
    for (const [coin, timestamp, source, kind] of SEED) {
      await db.query(
        `insert into price_flags (asset_id, timestamp, source, kind, detail) values ($1, $2, $3, $4, $5)`,
        [ids[coin], timestamp, source, kind, JSON.stringify({ seeded: `${coin} ${kind}` })],
      );
    }
    const ms = (text: string) => new Date(text).toISOString();
    expected = [...SEED]
      .sort(
        (a, b) =>
          // Newest first; the microsecond instant (T0) is the oldest, so milliseconds order these three.
          Date.parse(b[1]) - Date.parse(a[1]) ||
          (ids[b[0]] > ids[a[0]] ? 1 : ids[b[0]] < ids[a[0]] ? -1 : 0) ||
          b[2].localeCompare(a[2]) ||
          b[3].localeCompare(a[3]),
      )
      .map(([coin, timestamp, source, kind]) =>
        key({ coingecko_id: coin, timestamp: ms(timestamp), source, kind }),
      );
  }, 120_000);

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('answers the flags newest first with their asset, row and detail', async () => {
    const { status, body } = await get('');
    expect(status).toBe(200);
    expect(body.next_cursor).toBeNull();
    expect(body.items.map(key)).toEqual(expected);
    const spike = body.items.find((item) => key(item) === `bitcoin 2026-11-27T10:00:00.000Z coingecko spike`);
    expect(spike).toEqual({
      asset_id: ids.bitcoin,
      coingecko_id: 'bitcoin',
      symbol: 'BTC',
      timestamp: '2026-11-27T10:00:00.000Z',
      source: 'coingecko',
      kind: 'spike',
      detail: { seeded: 'bitcoin spike' },
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
    });
  });

  it('pages through ties without skipping or repeating a flag, whatever the page size', async () => {
    for (const limit of [1, 2, 3, 4, 5, 8, 9]) {
      const { items, pages } = await all('', limit);
      expect(items.map(key), `limit ${limit}`).toEqual(expected);
      expect(pages, `limit ${limit}`).toBe(Math.ceil(expected.length / limit));
    }
  });

  it('filters by kind, by asset (id in any case or CoinGecko id) and both, paging within the filter', async () => {
    const only = (test: (flag: string) => boolean) => expected.filter(test);
    expect((await all('kind=spike', 1)).items.map(key)).toEqual(only((flag) => flag.endsWith(' spike')));
    expect((await all('kind=divergence', 2)).items.map(key)).toEqual(
      only((flag) => flag.endsWith(' divergence')),
    );
    const bitcoin = only((flag) => flag.startsWith('bitcoin '));
    expect((await all('asset=bitcoin', 1)).items.map(key)).toEqual(bitcoin);
    expect((await all('asset=BitCoin', 3)).items.map(key)).toEqual(bitcoin);
    expect((await all(`asset=${ids.bitcoin.toUpperCase()}`, 2)).items.map(key)).toEqual(bitcoin);
    expect((await all('asset=bitcoin&kind=spike', 1)).items.map(key)).toEqual(
      only((flag) => flag.startsWith('bitcoin ') && flag.endsWith(' spike')),
    );
    expect(await get(`?asset=${quiet}`)).toEqual({ status: 200, body: { items: [], next_cursor: null } });
    expect(await get('?asset=quiet&kind=freeze')).toEqual({
      status: 200,
      body: { items: [], next_cursor: null },
    });
  });

  it('answers 400 naming the parameter for a bad kind, limit, cursor or asset', async () => {
    const cases: Array<[string, string]> = [
      ['?kind=gap', 'kind must be one of spike, freeze, divergence'],
      ['?kind=spike&kind=freeze', 'kind must be one of spike, freeze, divergence'],
      ['?limit=0', 'limit must be an integer from 1 to 500'],
      ['?limit=501', 'limit must be an integer from 1 to 500'],
      ['?limit=ten', 'limit must be an integer from 1 to 500'],
      ['?cursor=not-a-cursor', 'cursor is not valid'],
      [`?cursor=${encodeCursor('mappings', ['bitcoin'])}`, 'cursor is not valid'],
      [`?cursor=${encodeCursor('flags', [T2, ids.bitcoin, 'coingecko', 'spike'])}`, 'cursor is not valid'],
      ['?asset=', 'asset must be one asset id or CoinGecko id (e.g. asset=bitcoin)'],
      ['?asset=bitcoin&asset=ethereum', 'asset must be one asset id or CoinGecko id (e.g. asset=bitcoin)'],
      [`?asset=${'x'.repeat(201)}`, 'asset must be one asset id or CoinGecko id (e.g. asset=bitcoin)'],
      ['?source=coingecko', 'property source should not exist'],
    ];
    for (const [query, message] of cases) {
      const { status, body } = await get<ErrorBody>(query);
      expect({ query, status, body }).toEqual({
        query,
        status: 400,
        body: expect.objectContaining({ statusCode: 400, error: 'Bad Request', message }) as unknown,
      });
    }
  });

  it('answers 404 JSON naming an asset that does not exist, by CoinGecko id or by id', async () => {
    for (const asset of ['not-a-coin', '0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10']) {
      expect(await get<ErrorBody>(`?asset=${asset}`)).toEqual({
        status: 404,
        body: { statusCode: 404, error: 'Not Found', message: `asset ${asset} not found` },
      });
    }
  });

  it('answers 401 without a token or with an unknown one', async () => {
    expect((await get<ErrorBody>('', null)).body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect((await get<ErrorBody>('', 'not-a-token-we-know-0123456789')).status).toBe(401);
  });

  it('reads each filter’s page from an index, in order, never a sort of the table', async () => {
    // A grown table (planner statistics included), so the plan is the one production gets.
    await db.query(
      `insert into price_flags (asset_id, timestamp, source, kind, detail)
       select a.id, timestamp '2025-01-01' + make_interval(mins => 15 * g), 'coingecko',
              (array['spike', 'freeze', 'divergence'])[1 + g % 3], '{}'::jsonb
         from generate_series(1, 20000) g cross join (select id from assets where coingecko_id <> 'quiet') a`,
    );
    await db.query('analyze price_flags');
    const { body: first } = await get('?limit=50');
    const queries = [
      '?limit=50',
      `?limit=50&cursor=${first.next_cursor}`,
      '?limit=50&kind=freeze',
      `?limit=50&kind=freeze&cursor=${first.next_cursor}`,
      '?limit=50&asset=bitcoin',
      `?limit=50&asset=bitcoin&cursor=${first.next_cursor}`,
      '?limit=50&asset=bitcoin&kind=spike',
    ];
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const query of queries) {
        const { statements } = await statementsOf(() => get(query));
        const read = statements.find((statement) => statement.text.includes('from price_flags'));
        expect(read, query).toBeDefined();
        const { rows } = await client.query<{ 'QUERY PLAN': string | [{ Plan: PlanNode }] }>(
          `explain (format json) ${read?.text ?? ''}`,
          read?.values,
        );
        const raw = rows[0]['QUERY PLAN'];
        const plan = (typeof raw === 'string' ? (JSON.parse(raw) as [{ Plan: PlanNode }]) : raw)[0].Plan;
        const text = JSON.stringify(plan);
        // The page's limit sits on an ordered index scan of price_flags: no scan of the table, no sort before it.
        const limit = find(plan, (node) => node['Node Type'] === 'Limit');
        expect(limit, `${query}: ${text}`).toBeDefined();
        const below = limit?.Plans?.[0];
        expect(below?.['Node Type'], `${query}: ${text}`).toMatch(/^Index (Only )?Scan$/);
        expect(below?.['Relation Name'], query).toBe('price_flags');
        expect(
          find(plan, (node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'price_flags'),
        ).toBeUndefined();
      }
    } finally {
      await client.end();
    }
  }, 120_000);
});
