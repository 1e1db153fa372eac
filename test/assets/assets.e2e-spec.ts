import SwaggerParser from '@apidevtools/swagger-parser';
import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildOpenApiDocument } from '../../src/http/swagger.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TestJwksServer } from '../support/jwks.js';
import { createPricePartitions } from '../support/price-partitions.js';

const ADMIN_TOKEN = 'e5'.repeat(16);
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

/** Amounts that a float round trip would change: they must come back character for character. */
const HUGE = '1000000000000000000000000000000';
const TINY = '0.0000000012';
const LONG_FRACTION = '56.789012345678901234';

const USDC_ETHEREUM = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';
const USDC_CHECKSUMMED = '0xA0b86991c6218b36c1D19D4a2e9Eb0cE3606eB48';
const BONK_SOLANA = 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263';

interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

interface PageBody<T = Record<string, unknown>> {
  items: T[];
  next_cursor: string | null;
  snapshot_date?: string | null;
}

type Item = Record<string, unknown>;

describe('read API over collected data (e2e)', () => {
  let db: TestDatabase;
  let idp: TestJwksServer;
  let running: RunningApp;
  let readerToken: string;
  let adminJwt: string;
  const ids: Record<string, string> = {};
  const logCalls: unknown[][] = [];

  async function call<T = Item>(
    method: 'GET' | 'PATCH',
    path: string,
    options: { token?: string | null; body?: unknown } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${running.baseUrl}/api/v1${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, text, headers: response.headers, body: JSON.parse(text) as T };
  }
  const get = <T = PageBody>(path: string, token?: string | null) => call<T>('GET', path, { token });
  const patch = (path: string, body: unknown, token?: string | null) =>
    call<Item>('PATCH', path, { body, token });

  /** Follows `next_cursor` to the end; fails on a page bigger than `limit` or a loop. */
  async function walk(path: string, limit: number): Promise<{ items: Item[]; pages: number }> {
    const items: Item[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const url: string = `${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const answer: Answer<PageBody> = await get(url);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body.items.length).toBeLessThanOrEqual(limit);
      if (answer.body.next_cursor !== null) expect(answer.body.items.length).toBe(limit);
      items.push(...answer.body.items);
      cursor = answer.body.next_cursor;
      pages++;
      expect(pages).toBeLessThan(100);
    } while (cursor !== null);
    return { items, pages };
  }

  async function insertAsset(
    coingeckoId: string,
    symbol: string,
    name: string,
    extra: { tracked?: boolean } = {},
  ): Promise<string> {
    const [row] = await db.query<{ id: string }>(
      `insert into assets (coingecko_id, symbol, name, logo_url, is_tracked, created_at, updated_at)
       values ($1, $2, $3, $4, $5, '2026-11-01T00:00:00.123456Z', '2026-11-01T00:00:00.123456Z') returning id`,
      [coingeckoId, symbol, name, `https://img.example/${coingeckoId}.png`, extra.tracked ?? false],
    );
    if (!row) throw new Error('insert returned nothing');
    ids[coingeckoId] = row.id;
    return row.id;
  }

  beforeAll(async () => {
    const original = Logger.prototype.log;
    vi.spyOn(Logger.prototype, 'log').mockImplementation(function (this: Logger, ...args: unknown[]) {
      logCalls.push(args);
      return original.apply(this, args as [unknown, ...unknown[]]);
    });
    db = await createTestDatabase();
    idp = await TestJwksServer.start();
    running = await startApp({ DATABASE_URL: db.url, API_TOKENS: ADMIN_TOKEN, ...idp.env() });
    readerToken = await idp.mint({ realm_access: { roles: ['reader'] } }, { subject: 'reader-7' });
    adminJwt = await idp.mint({ realm_access: { roles: ['admin'] } }, { subject: 'admin-3' });

    await insertAsset('bitcoin', 'BTC', 'Bitcoin');
    await insertAsset('ethereum', 'ETH', 'Ethereum');
    await insertAsset('ethereum-wormhole', 'ETH', 'Ether (Wormhole)');
    await insertAsset('ethena', 'ENA', 'Ethena');
    await insertAsset('weth', 'WETH', 'WETH', { tracked: true });
    await insertAsset('usd-coin', 'USDC', 'USDC');
    await insertAsset('bonk', 'BONK', 'Bonk');
    await insertAsset('percent-coin', 'PCT', '100% Coin');
    await insertAsset('underscore-coin', 'UND', 'Under_score Coin');
    // Shared symbols, so pages must break ties on the CoinGecko id.
    for (let i = 0; i < 14; i++) {
      await insertAsset(`pager-${String(i).padStart(2, '0')}`, `PG${i % 3}`, `Pager ${i}`);
    }

    await db.query(
      `insert into asset_contracts (asset_id, chain, contract_address, token_standard, decimals, is_verified)
       values ($1, 'ethereum', $2, 'erc20', 6, true),
              ($1, 'solana', 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v', 'spl', 6, false),
              ($3, 'solana', $4, 'spl', 5, false),
              ($5, 'ethereum', '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', 'erc20', 18, true),
              ($6, 'ethereum', '0x57e114b691db790c35207b2e685d4a43181e6061', 'erc20', 18, false)`,
      [ids['usd-coin'], USDC_ETHEREUM, ids.bonk, BONK_SOLANA, ids.weth, ids.ethena],
    );
  });

  afterAll(async () => {
    await running?.close();
    await idp?.close();
    await db?.drop();
    vi.restoreAllMocks();
  });

  describe('authentication', () => {
    const routes: Array<['GET' | 'PATCH', () => string]> = [
      ['GET', () => '/assets'],
      ['GET', () => `/assets/${ids.bitcoin}`],
      ['GET', () => `/assets/${ids.bitcoin}/prices`],
      ['GET', () => '/rankings'],
      ['GET', () => '/contracts?chain=ethereum'],
      ['PATCH', () => `/assets/${ids.bitcoin}`],
    ];

    it('answers 401 without a token on every route', async () => {
      for (const [method, path] of routes) {
        const answer = await call(method, path(), {
          token: null,
          body: method === 'PATCH' ? { is_tracked: true } : undefined,
        });
        expect(answer.status, `${method} ${path()}`).toBe(401);
        expect(answer.body).toEqual({
          statusCode: 401,
          error: 'Unauthorized',
          message: 'Missing bearer token',
        });
      }
      const [row] = await db.query<{ is_tracked: boolean }>('select is_tracked from assets where id = $1', [
        ids.bitcoin,
      ]);
      expect(row?.is_tracked).toBe(false);
    });

    it('lets a JWT without the admin role read every GET route', async () => {
      for (const [method, path] of routes.filter(([method]) => method === 'GET')) {
        expect((await call(method, path(), { token: readerToken })).status, path()).toBe(200);
      }
    });
  });

  describe('GET /assets', () => {
    it('lists assets with every field, timestamps as ISO UTC', async () => {
      const answer = await get(`/assets?search=bitcoin`);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        items: [
          {
            id: ids.bitcoin,
            coingecko_id: 'bitcoin',
            symbol: 'BTC',
            name: 'Bitcoin',
            asset_type: 'cryptocurrency',
            logo_url: 'https://img.example/bitcoin.png',
            is_active: true,
            is_tracked: false,
            created_at: '2026-11-01T00:00:00.123Z',
            updated_at: '2026-11-01T00:00:00.123Z',
          },
        ],
        next_cursor: null,
      });
    });

    it('walks every asset in pages of 5 without skipping or repeating one, in (symbol, id) order', async () => {
      const expected = await db.query<{ id: string }>('select id from assets order by symbol, coingecko_id');
      const { items, pages } = await walk('/assets', 5);
      expect(expected.length).toBe(23);
      expect(pages).toBe(5);
      expect(items.map((item) => item.id)).toEqual(expected.map((row) => row.id));
      expect(new Set(items.map((item) => item.id)).size).toBe(23);
    });

    it('walks a search and a tracked filter across pages too', async () => {
      const { items } = await walk('/assets?search=pg', 4);
      expect(items.map((item) => item.coingecko_id)).toEqual(
        [...Array(14).keys()]
          .map((i) => ({ id: `pager-${String(i).padStart(2, '0')}`, symbol: `PG${i % 3}` }))
          .sort((a, b) => a.symbol.localeCompare(b.symbol) || a.id.localeCompare(b.id))
          .map((asset) => asset.id),
      );
      const tracked = await get('/assets?tracked=true');
      expect(tracked.body.items.map((item) => item.coingecko_id)).toEqual(['weth']);
      const untracked = await get('/assets?tracked=FALSE&limit=500');
      expect(untracked.body.items).toHaveLength(22);
    });

    it('searches symbol prefix, name substring and CoinGecko id prefix, case-insensitively, exact matches first', async () => {
      const eth = await get('/assets?search=eth');
      // Exact symbol ETH first (by id), then the rest by symbol: ENA (id prefix "eth…"), WETH (name).
      expect(eth.body.items.map((item) => item.coingecko_id)).toEqual([
        'ethereum',
        'ethereum-wormhole',
        'ethena',
        'weth',
      ]);
      const byName = await get('/assets?search=WORMHOLE');
      expect(byName.body.items.map((item) => item.coingecko_id)).toEqual(['ethereum-wormhole']);
      const byId = await get('/assets?search=usd-');
      expect(byId.body.items.map((item) => item.coingecko_id)).toEqual(['usd-coin']);
      // Not a symbol suffix or an id infix: `thereum` matches only names containing it.
      const infix = await get('/assets?search=thereum');
      expect(infix.body.items.map((item) => item.coingecko_id)).toEqual(['ethereum']);
    });

    it('walks a search with exact matches first without skipping or repeating', async () => {
      const { items } = await walk('/assets?search=eth', 1);
      expect(items.map((item) => item.coingecko_id)).toEqual([
        'ethereum',
        'ethereum-wormhole',
        'ethena',
        'weth',
      ]);
    });

    it('treats % and _ in a search as plain characters, and a blank search as none', async () => {
      expect((await get('/assets?search=%25')).body.items.map((item) => item.coingecko_id)).toEqual([
        'percent-coin',
      ]);
      expect((await get('/assets?search=_')).body.items.map((item) => item.coingecko_id)).toEqual([
        'underscore-coin',
      ]);
      expect((await get('/assets?search=%20%20&limit=500')).body.items).toHaveLength(23);
    });
  });

  describe('GET /assets/{id}', () => {
    it('answers the asset with its contracts, and null latest ranking and price before any', async () => {
      const answer = await get<Item>(`/assets/${ids['usd-coin']}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        id: ids['usd-coin'],
        coingecko_id: 'usd-coin',
        latest_ranking: null,
        latest_price: null,
      });
      const contracts = answer.body.contracts as Item[];
      expect(contracts.map((c) => [c.chain, c.contract_address])).toEqual([
        ['ethereum', USDC_ETHEREUM],
        ['solana', 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'],
      ]);
      expect(contracts[0]).toEqual({
        id: expect.any(String) as unknown,
        chain: 'ethereum',
        contract_address: USDC_ETHEREUM,
        token_standard: 'erc20',
        decimals: 6,
        is_verified: true,
        created_at: expect.stringMatching(ISO_UTC) as unknown,
        updated_at: expect.stringMatching(ISO_UTC) as unknown,
      });
    });

    it('answers 400 for an id that is not a UUID and 404 for an unknown one', async () => {
      const bad = await get<Item>('/assets/not-a-uuid');
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'id must be a UUID' });
      const missing = await get<Item>(`/assets/${MISSING_ID}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: `asset ${MISSING_ID} not found`,
      });
    });
  });

  describe('with rankings and prices', () => {
    beforeAll(async () => {
      // No snapshot yet: the default snapshot is none.
      const empty = await get('/rankings');
      expect(empty.status).toBe(200);
      expect(empty.body).toEqual({ snapshot_date: null, items: [], next_cursor: null });

      const ranked = ['bitcoin', 'ethereum', 'usd-coin', 'weth', 'bonk', 'ethena', 'ethereum-wormhole'];
      for (const [index, coingeckoId] of ranked.entries()) {
        await db.query(
          `insert into asset_rankings (asset_id, snapshot_date, rank, market_cap_usd, price_usd, volume_24h_usd,
                                       change_percent_24h, dominance)
           values ($1, '2026-11-28', $2, $3, $4, $5, $6, $7), ($1, '2026-11-27', $2, 1, 1, null, null, null)`,
          [
            ids[coingeckoId],
            index + 1,
            index === 0 ? HUGE : String(1000 - index),
            index === 0 ? TINY : '1.50',
            '12345.000',
            '-0.5',
            index === 0 ? LONG_FRACTION : null,
          ],
        );
      }
      await createPricePartitions(db, '2026-11-28T00:00:00Z');
      // Two sources at one timestamp: a read answers one price per time, coinpaprika's only when asked for
      // (PRICE_PROVIDERS is the default, coingecko alone).
      for (let minute = 0; minute < 12; minute++) {
        await db.query(
          `insert into asset_prices (asset_id, timestamp, price_usd, volume_24h_usd, market_cap_usd,
                                     change_percent_24h, source)
           values ($1, '2026-11-28T00:00:00Z'::timestamptz + $2::int * interval '15 minutes', $3, $4, $5, null, 'coingecko')`,
          [ids.bitcoin, minute, minute === 11 ? TINY : `9700${minute}.25`, HUGE, '1.0'],
        );
      }
      await db.query(
        `insert into asset_prices (asset_id, timestamp, price_usd, source)
         values ($1, '2026-11-28T01:00:00Z', '97004.5', 'coinpaprika')`,
        [ids.bitcoin],
      );
    });

    it('GET /assets/{id} includes the latest ranking and price, amounts exact', async () => {
      const answer = await get<Item>(`/assets/${ids.bitcoin}`);
      expect(answer.status).toBe(200);
      expect(answer.body.latest_ranking).toEqual({
        rank: 1,
        snapshot_date: '2026-11-28',
        market_cap_usd: HUGE,
        price_usd: TINY,
        volume_24h_usd: '12345.000',
        change_percent_24h: '-0.5',
        dominance: LONG_FRACTION,
        source: 'coingecko',
      });
      expect(answer.body.latest_price).toEqual({
        asset_id: ids.bitcoin,
        timestamp: '2026-11-28T02:45:00.000Z',
        price_usd: TINY,
        market_cap_usd: '1.0',
        volume_24h_usd: HUGE,
        change_percent_24h: null,
        source: 'coingecko',
      });
      // The raw text: no JSON number anywhere near an amount.
      expect(answer.text).toContain(`"market_cap_usd":"${HUGE}"`);
      expect(answer.text).toContain(`"price_usd":"${TINY}"`);
    });

    describe('GET /assets/{id}/prices', () => {
      it('walks the history newest first, one price per time, without skips or repeats', async () => {
        const { items, pages } = await walk(`/assets/${ids.bitcoin}/prices`, 5);
        expect(pages).toBe(3);
        expect(items.map((item) => `${String(item.timestamp)} ${String(item.source)}`)).toEqual([
          '2026-11-28T02:45:00.000Z coingecko',
          '2026-11-28T02:30:00.000Z coingecko',
          '2026-11-28T02:15:00.000Z coingecko',
          '2026-11-28T02:00:00.000Z coingecko',
          '2026-11-28T01:45:00.000Z coingecko',
          '2026-11-28T01:30:00.000Z coingecko',
          '2026-11-28T01:15:00.000Z coingecko',
          '2026-11-28T01:00:00.000Z coingecko',
          '2026-11-28T00:45:00.000Z coingecko',
          '2026-11-28T00:30:00.000Z coingecko',
          '2026-11-28T00:15:00.000Z coingecko',
          '2026-11-28T00:00:00.000Z coingecko',
        ]);
        expect(items[0]).toEqual({
          asset_id: ids.bitcoin,
          timestamp: '2026-11-28T02:45:00.000Z',
          price_usd: TINY,
          market_cap_usd: '1.0',
          volume_24h_usd: HUGE,
          change_percent_24h: null,
          source: 'coingecko',
        });
      });

      it('filters by from/to, both inclusive, with Z or an offset (even an unencoded +)', async () => {
        const range = await get(
          `/assets/${ids.bitcoin}/prices?from=2026-11-28T00:30:00Z&to=2026-11-28T02:00:00%2B01:00`,
        );
        expect(range.status).toBe(200);
        expect(range.body.items.map((item) => item.timestamp)).toEqual([
          '2026-11-28T01:00:00.000Z',
          '2026-11-28T00:45:00.000Z',
          '2026-11-28T00:30:00.000Z',
        ]);
        const unencoded = await get(`/assets/${ids.bitcoin}/prices?from=2026-11-28T03:30+01:00`);
        expect(unencoded.status, unencoded.text).toBe(200);
        expect(unencoded.body.items.map((item) => item.timestamp)).toEqual([
          '2026-11-28T02:45:00.000Z',
          '2026-11-28T02:30:00.000Z',
        ]);
        const paged = await walk(
          `/assets/${ids.bitcoin}/prices?from=2026-11-28T00:30:00Z&to=2026-11-28T01:00:00Z`,
          1,
        );
        expect(paged.items).toHaveLength(3);
        const asked = await get(`/assets/${ids.bitcoin}/prices?source=coinpaprika`);
        expect(asked.body.items.map((item) => `${String(item.timestamp)} ${String(item.source)}`)).toEqual([
          '2026-11-28T01:00:00.000Z coinpaprika',
        ]);
      });

      it('answers an empty page for an asset without prices, 404 for an unknown asset', async () => {
        expect((await get(`/assets/${ids.weth}/prices`)).body).toEqual({ items: [], next_cursor: null });
        const missing = await get<Item>(`/assets/${MISSING_ID}/prices`);
        expect(missing.status).toBe(404);
        expect(missing.body.message).toBe(`asset ${MISSING_ID} not found`);
      });

      it('answers 400 naming the parameter for a bad from/to, and for from later than to', async () => {
        for (const [query, message] of [
          [
            'from=yesterday',
            'from must be an ISO 8601 timestamp with a time zone (e.g. 2026-11-28T00:00:00Z)',
          ],
          [
            'to=2026-11-28T10:00:00',
            'to must be an ISO 8601 timestamp with a time zone (e.g. 2026-11-28T00:00:00Z)',
          ],
          [
            'to=2026-02-30T00:00:00Z',
            'to must be an ISO 8601 timestamp with a time zone (e.g. 2026-11-28T00:00:00Z)',
          ],
          [
            'from=2026-11-28T00:00:00Z&to=2026-11-27T00:00:00Z',
            'from (2026-11-28T00:00:00Z) must not be later than to (2026-11-27T00:00:00Z)',
          ],
        ] as const) {
          const answer = await get<Item>(`/assets/${ids.bitcoin}/prices?${query}`);
          expect(answer.status, query).toBe(400);
          expect(answer.body.message, query).toBe(message);
        }
      });
    });

    describe('GET /rankings', () => {
      it('answers the latest snapshot by rank, with each asset and exact amounts', async () => {
        const answer = await get('/rankings?limit=3');
        expect(answer.status).toBe(200);
        expect(answer.body.snapshot_date).toBe('2026-11-28');
        expect(answer.body.items.map((item) => [item.rank, item.coingecko_id])).toEqual([
          [1, 'bitcoin'],
          [2, 'ethereum'],
          [3, 'usd-coin'],
        ]);
        expect(answer.body.items[0]).toEqual({
          rank: 1,
          asset_id: ids.bitcoin,
          coingecko_id: 'bitcoin',
          symbol: 'BTC',
          name: 'Bitcoin',
          logo_url: 'https://img.example/bitcoin.png',
          market_cap_usd: HUGE,
          price_usd: TINY,
          volume_24h_usd: '12345.000',
          change_percent_24h: '-0.5',
          dominance: LONG_FRACTION,
          source: 'coingecko',
        });
        expect(answer.body.next_cursor).toEqual(expect.any(String));
      });

      it('walks a snapshot across pages, and answers an older date or an empty one', async () => {
        const { items } = await walk('/rankings', 2);
        expect(items.map((item) => item.rank)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        const older = await get('/rankings?date=2026-11-27&limit=1');
        expect(older.body.snapshot_date).toBe('2026-11-27');
        expect(older.body.items[0]).toMatchObject({ rank: 1, market_cap_usd: '1', dominance: null });
        const none = await get('/rankings?date=2020-01-01');
        expect(none.status).toBe(200);
        expect(none.body).toEqual({ snapshot_date: '2020-01-01', items: [], next_cursor: null });
      });

      it('keeps a cursor on the snapshot it started on, and refuses it for another date', async () => {
        const first = await get('/rankings?date=2026-11-27&limit=2');
        const next = await get(`/rankings?cursor=${first.body.next_cursor}&limit=2`);
        expect(next.body.snapshot_date).toBe('2026-11-27');
        expect(next.body.items.map((item) => item.rank)).toEqual([3, 4]);
        const mismatch = await get<Item>(`/rankings?date=2026-11-28&cursor=${first.body.next_cursor}`);
        expect(mismatch.status).toBe(400);
        expect(mismatch.body.message).toBe(
          'cursor is not valid for date 2026-11-28: it continues the 2026-11-27 snapshot',
        );
      });

      it('answers 400 for a date that is not YYYY-MM-DD or not in the calendar', async () => {
        for (const date of ['2026-02-30', '28-11-2026', '2026-11-28T00:00:00Z', 'latest']) {
          const answer = await get<Item>(`/rankings?date=${date}`);
          expect(answer.status, date).toBe(400);
          expect(answer.body.message).toBe('date must be a calendar date as YYYY-MM-DD (e.g. 2026-11-28)');
        }
      });
    });
  });

  describe('GET /contracts', () => {
    it('finds an EVM address in any letter case, with its asset', async () => {
      for (const address of [
        USDC_ETHEREUM,
        USDC_CHECKSUMMED,
        USDC_ETHEREUM.toUpperCase().replace('0X', '0x'),
      ]) {
        const answer = await get(`/contracts?chain=ethereum&address=${address}`);
        expect(answer.status).toBe(200);
        expect(answer.body.next_cursor).toBeNull();
        expect(answer.body.items).toEqual([
          {
            id: expect.any(String) as unknown,
            chain: 'ethereum',
            contract_address: USDC_ETHEREUM,
            token_standard: 'erc20',
            decimals: 6,
            is_verified: true,
            created_at: expect.stringMatching(ISO_UTC) as unknown,
            updated_at: expect.stringMatching(ISO_UTC) as unknown,
            asset_id: ids['usd-coin'],
            coingecko_id: 'usd-coin',
            symbol: 'USDC',
            name: 'USDC',
          },
        ]);
      }
      const chainCase = await get(`/contracts?chain=Ethereum&address=${USDC_CHECKSUMMED}`);
      expect(chainCase.body.items).toHaveLength(1);
    });

    it('matches a Solana address exactly (base58 is case-sensitive)', async () => {
      const exact = await get(`/contracts?chain=solana&address=${BONK_SOLANA}`);
      expect(exact.body.items.map((item) => item.coingecko_id)).toEqual(['bonk']);
      expect((await get(`/contracts?chain=solana&address=${BONK_SOLANA.toLowerCase()}`)).body.items).toEqual(
        [],
      );
      // The right address on the wrong chain is not a match either.
      expect((await get(`/contracts?chain=ethereum&address=${BONK_SOLANA}`)).body.items).toEqual([]);
    });

    it('lists a chain’s contracts by address across pages', async () => {
      const { items, pages } = await walk('/contracts?chain=ethereum', 2);
      expect(pages).toBe(2);
      expect(items.map((item) => item.contract_address)).toEqual([
        '0x57e114b691db790c35207b2e685d4a43181e6061',
        USDC_ETHEREUM,
        '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2',
      ]);
      const first = await get('/contracts?chain=ethereum&limit=1');
      const otherChain = await get<Item>(`/contracts?chain=solana&cursor=${first.body.next_cursor}`);
      expect(otherChain.status).toBe(400);
      expect(otherChain.body.message).toBe('cursor is not valid');
    });

    it('answers 400 without a chain', async () => {
      for (const query of ['', '?address=0xabc', '?chain=%20']) {
        const answer = await get<Item>(`/contracts${query}`);
        expect(answer.status, query).toBe(400);
        expect(answer.body.message).toBe('chain is required: a chain name such as ethereum or solana');
      }
    });
  });

  describe('list validation', () => {
    const LISTS = ['/assets', '/rankings', '/contracts?chain=ethereum'];
    const withQuery = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;

    it('answers 400 naming limit for 0, 501, text, fractions and repeats', async () => {
      for (const path of [...LISTS, `/assets/${ids.bitcoin}/prices`]) {
        for (const limit of [
          'limit=0',
          'limit=501',
          'limit=abc',
          'limit=1.5',
          'limit=-1',
          'limit=',
          'limit=1&limit=2',
        ]) {
          const answer = await get<Item>(withQuery(path, limit));
          expect(answer.status, `${path} ${limit}`).toBe(400);
          expect(answer.body).toEqual({
            statusCode: 400,
            error: 'Bad Request',
            message: 'limit must be an integer from 1 to 500',
            details: [{ field: 'limit', reason: 'limit must be an integer from 1 to 500' }],
          });
        }
        expect((await get(withQuery(path, 'limit=500'))).status).toBe(200);
      }
    });

    it('answers 400 "cursor is not valid" for a malformed cursor or one from another list', async () => {
      const assetsCursor = (await get('/assets?limit=1')).body.next_cursor ?? '';
      const forged = Buffer.from(JSON.stringify(['assets', 2, 'BTC', 'bitcoin'])).toString('base64url');
      for (const path of [...LISTS, `/assets/${ids.bitcoin}/prices`]) {
        for (const cursor of [
          'not*base64',
          'bm90IGpzb24',
          forged,
          ...(path === '/assets' ? [] : [assetsCursor]),
        ]) {
          const answer = await get<Item>(withQuery(path, `cursor=${cursor}`));
          expect(answer.status, `${path} ${cursor}`).toBe(400);
          expect(answer.body.message).toBe('cursor is not valid');
        }
      }
    });

    it('answers 400 for unknown query parameters and a non-boolean tracked', async () => {
      const unknown = await get<Item>('/assets?page=2');
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toBe('property page should not exist');
      const tracked = await get<Item>('/assets?tracked=yes');
      expect(tracked.status).toBe(400);
      expect(tracked.body.message).toBe('tracked must be true or false');
    });
  });

  describe('PATCH /assets/{id}', () => {
    it('lets an admin (static token) track an asset, persists it and logs who did it', async () => {
      const answer = await patch(`/assets/${ids.bonk}`, { is_tracked: true });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toMatchObject({ id: ids.bonk, coingecko_id: 'bonk', is_tracked: true });
      expect(answer.body.contracts).toHaveLength(1);
      expect(answer.body.updated_at).not.toBe('2026-11-01T00:00:00.123Z');
      const [row] = await db.query<{ is_tracked: boolean }>('select is_tracked from assets where id = $1', [
        ids.bonk,
      ]);
      expect(row?.is_tracked).toBe(true);
      expect((await get('/assets?tracked=true')).body.items.map((item) => item.coingecko_id)).toEqual([
        'bonk',
        'weth',
      ]);
      const logged = JSON.stringify(logCalls);
      expect(logged).toContain('Asset bonk: is_tracked set to true by static api-token#1');
      expect(logged).toContain('"principal":{"kind":"static","subject":"api-token#1"}');
      expect(logged).not.toContain(ADMIN_TOKEN);
    });

    it('leaves updated_at alone when the value does not change, and untracks', async () => {
      const before = await get<Item>(`/assets/${ids.weth}`);
      const same = await patch(`/assets/${ids.weth}`, { is_tracked: true });
      expect(same.status).toBe(200);
      expect(same.body.updated_at).toBe(before.body.updated_at);
      const off = await patch(`/assets/${ids.weth}`, { is_tracked: false }, adminJwt);
      expect(off.status).toBe(200);
      expect(off.body.is_tracked).toBe(false);
      expect(JSON.stringify(logCalls)).toContain('Asset weth: is_tracked set to false by jwt admin-3');
      expect(JSON.stringify(logCalls)).not.toContain(adminJwt);
    });

    it('answers 403 to a JWT without the admin role, and changes nothing', async () => {
      const answer = await patch(`/assets/${ids.bitcoin}`, { is_tracked: true }, readerToken);
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: 'This action needs the "admin" role, which the token does not carry',
      });
      const [row] = await db.query<{ is_tracked: boolean }>('select is_tracked from assets where id = $1', [
        ids.bitcoin,
      ]);
      expect(row?.is_tracked).toBe(false);
    });

    it('answers 400 for a body other than {"is_tracked": boolean}, and for a bad id; 404 for an unknown one', async () => {
      for (const [body, message] of [
        [{}, 'is_tracked must be true or false'],
        [{ is_tracked: 'true' }, 'is_tracked must be true or false'],
        [{ is_tracked: true, name: 'x' }, 'property name should not exist'],
        [{ isTracked: true }, 'property isTracked should not exist; is_tracked must be true or false'],
      ] as const) {
        const answer = await patch(`/assets/${ids.bitcoin}`, body);
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(answer.body.message).toBe(message);
      }
      const bad = await patch('/assets/123', { is_tracked: true });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toBe('id must be a UUID');
      const missing = await patch(`/assets/${MISSING_ID}`, { is_tracked: true });
      expect(missing.status).toBe(404);
      expect(missing.body.message).toBe(`asset ${MISSING_ID} not found`);
    });
  });

  it('documents every route in OpenAPI with its answers, in a valid document', async () => {
    const document = buildOpenApiDocument(running.app);
    // As served (JSON), and a copy: the validator dereferences in place.
    const served = JSON.parse(JSON.stringify(document)) as Parameters<typeof SwaggerParser.validate>[0];
    await expect(SwaggerParser.validate(served)).resolves.toBeDefined();
    const operations: Array<[string, 'get' | 'patch', string[]]> = [
      ['/api/v1/assets', 'get', ['200', '400', '401']],
      ['/api/v1/assets/{id}', 'get', ['200', '400', '401', '404']],
      ['/api/v1/assets/{id}/prices', 'get', ['200', '400', '401', '404']],
      ['/api/v1/assets/{id}', 'patch', ['200', '400', '401', '403', '404']],
      ['/api/v1/rankings', 'get', ['200', '400', '401']],
      ['/api/v1/contracts', 'get', ['200', '400', '401']],
    ];
    for (const [path, method, statuses] of operations) {
      const operation = document.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(statuses));
      expect(operation?.security).toEqual([{ bearer: [] }]);
    }
    const parameters = (path: string) =>
      (document.paths[path]?.get?.parameters ?? []).map((parameter) =>
        'name' in parameter ? parameter.name : '',
      );
    expect(parameters('/api/v1/assets')).toEqual(
      expect.arrayContaining(['limit', 'cursor', 'search', 'tracked']),
    );
    expect(parameters('/api/v1/assets/{id}/prices')).toEqual(
      expect.arrayContaining(['id', 'limit', 'cursor', 'from', 'to']),
    );
    expect(parameters('/api/v1/rankings')).toEqual(expect.arrayContaining(['limit', 'cursor', 'date']));
    expect(parameters('/api/v1/contracts')).toEqual(
      expect.arrayContaining(['chain', 'address', 'limit', 'cursor']),
    );

    const text = JSON.stringify(document);
    const refs = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (match) => match[1] ?? '',
    );
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(document.components?.schemas?.[ref], ref).toBeDefined();
  });
});
