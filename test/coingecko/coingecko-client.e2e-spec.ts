import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CoinGeckoClient } from '../../src/coingecko/coingecko.client.js';
import { CoinGeckoError } from '../../src/coingecko/coingecko.errors.js';
import { coinGeckoHttpOptions } from '../../src/coingecko/coingecko.http-options.js';
import { parseEnv } from '../../src/config/env.schema.js';
import { CoinGeckoFake, faults, loadFixture, type FakeCoinListItem } from '../fakes/coingecko-fake.js';
import { CapturingLogger, createClient, type ClientUnderTest } from './coingecko-client.harness.js';

/** The CoinGecko client against the fake over real HTTP: plans and keys, paging, batching, parsing. */

describe('CoinGeckoClient: plans and keys', () => {
  it('without COINGECKO_BASE_URL each plan goes to its own host with its own header', () => {
    const options = (env: Record<string, string>) => coinGeckoHttpOptions(parseEnv(env).coingecko);
    expect(options({})).toMatchObject({ baseURL: 'https://api.coingecko.com/api/v3' });
    expect(options({}).headers).not.toHaveProperty('x-cg-demo-api-key');
    expect(options({ COINGECKO_API_KEY: 'k-demo' })).toMatchObject({
      baseURL: 'https://api.coingecko.com/api/v3',
      headers: { 'x-cg-demo-api-key': 'k-demo' },
    });
    expect(options({ COINGECKO_API_KEY: 'k-pro', COINGECKO_API_PLAN: 'pro' })).toMatchObject({
      baseURL: 'https://pro-api.coingecko.com/api/v3',
      headers: { 'x-cg-pro-api-key': 'k-pro' },
    });
    // An explicit public plan sends no key even when one is configured.
    expect(options({ COINGECKO_API_KEY: 'k', COINGECKO_API_PLAN: 'public' }).headers).toEqual({
      Accept: 'application/json',
      'User-Agent': 'crypto-pocket-butler-jobs',
    });
  });

  it.each([
    { plan: 'public', server: 'public', env: {}, header: undefined, sends: 'no key' },
    {
      plan: 'demo',
      server: 'public',
      env: { COINGECKO_API_KEY: 'demo-key-1234' },
      header: 'x-cg-demo-api-key',
      sends: 'x-cg-demo-api-key',
    },
    {
      plan: 'pro',
      server: 'pro',
      env: { COINGECKO_API_KEY: 'pro-key-5678', COINGECKO_API_PLAN: 'pro' },
      header: 'x-cg-pro-api-key',
      sends: 'x-cg-pro-api-key',
    },
  ] as const)(
    '$plan plan: sends $sends to the configured host, never the key in a URL or a log',
    async (plan) => {
      const key = 'COINGECKO_API_KEY' in plan.env ? plan.env.COINGECKO_API_KEY : undefined;
      const fake = await CoinGeckoFake.start({ server: plan.server, ...(key ? { requireKey: key } : {}) });
      const logger = new CapturingLogger();
      const { client, close } = await createClient({ COINGECKO_BASE_URL: fake.url, ...plan.env }, logger);
      try {
        fake.failNext('/ping', 1, faults.serverError(503));
        expect(await client.ping()).toEqual({ geckoSays: '(V3) To the Moon!' });
        await client.marketsTop(3);
        for (const request of fake.requests) {
          expect(request.headers['x-cg-demo-api-key']).toBe(
            plan.header === 'x-cg-demo-api-key' ? key : undefined,
          );
          expect(request.headers['x-cg-pro-api-key']).toBe(
            plan.header === 'x-cg-pro-api-key' ? key : undefined,
          );
          if (key) expect(request.url).not.toContain(key);
          expect(request.url).not.toMatch(/x_cg_/);
        }
        expect(fake.requests.map((request) => request.path)).toEqual(['/ping', '/ping', '/coins/markets']);
        // The start-up line and the retry warning were logged; neither carries the key.
        expect(logger.text()).toContain(`CoinGecko ${plan.plan} plan at ${fake.url}`);
        expect(logger.retryDelays()).toHaveLength(1);
        if (key) expect(logger.text()).not.toContain(key);
      } finally {
        await close();
        await fake.stop();
      }
    },
  );
});

describe('CoinGeckoClient: endpoints', () => {
  let fake: CoinGeckoFake;
  let under: ClientUnderTest;
  let client: CoinGeckoClient;

  beforeAll(async () => {
    fake = await CoinGeckoFake.start();
    under = await createClient({ COINGECKO_BASE_URL: fake.url });
    client = under.client;
  });

  afterAll(async () => {
    await under?.close();
    await fake?.stop();
  });

  beforeEach(() => {
    fake.setCoins(CoinGeckoFake.generateCoins(1000));
  });

  afterEach(() => {
    fake.reset();
  });

  describe('marketsTop', () => {
    it.each([1, 250, 251, 1000])(
      '%i coins: ceil(n/250) requests, n unique coins in rank order',
      async (limit) => {
        const { items, skipped } = await client.marketsTop(limit);
        const pages = Math.ceil(limit / 250);
        expect(fake.count('/coins/markets')).toBe(pages);
        expect(skipped).toBe(0);
        expect(items).toHaveLength(limit);
        expect(new Set(items.map((coin) => coin.id)).size).toBe(limit);
        expect(items.map((coin) => coin.marketCapRank)).toEqual(
          Array.from({ length: limit }, (_, i) => i + 1),
        );
        const perPage = String(Math.min(limit, 250));
        expect(fake.requests.map((request) => request.query)).toEqual(
          Array.from({ length: pages }, (_, i) => ({
            vs_currency: 'usd',
            order: 'market_cap_desc',
            per_page: perPage,
            page: String(i + 1),
            sparkline: 'false',
          })),
        );
      },
    );

    it('stops at the end of the list', async () => {
      fake.setCoins(CoinGeckoFake.generateCoins(900));
      const { items } = await client.marketsTop(2000);
      expect(items).toHaveLength(900);
      expect(fake.count('/coins/markets')).toBe(4);
    });

    it('keeps the first occurrence of a coin that moves to the next page while paging', async () => {
      // After page 1 is served, #250 and #251 trade places: page 2 starts with #250 again, #251 is never seen.
      const unhook = fake.onMarketsPage(({ page }) => {
        if (page === 1) fake.swapCoins('coin-00250', 'coin-00251');
      });
      const progress: [number, number][] = [];
      const { items } = await client.marketsTop(500, {
        onProgress: (done, total) => progress.push([done, total]),
      });
      unhook();
      expect(fake.count('/coins/markets')).toBe(2);
      const ids = items.map((coin) => coin.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(499);
      expect(ids.filter((id) => id === 'coin-00250')).toHaveLength(1);
      expect(ids[249]).toBe('coin-00250');
      expect(ids).not.toContain('coin-00251');
      expect(progress).toEqual([
        [250, 500],
        [499, 500],
      ]);
    });

    it('keeps the text of tiny and huge amounts, shared symbols and ids with spaces', async () => {
      const { items } = await client.marketsTop(250);
      const coin = (id: string) => items.find((item) => item.id === id);
      expect(coin('coin-00097')?.currentPrice).toBe('1.2e-9');
      expect(coin('coin-00089')).toMatchObject({ totalSupply: '1e30', maxSupply: '1e30' });
      expect(coin('coin 00123')).toMatchObject({ name: 'Coin 00123' });
      expect(coin('coin-00013')?.image).toBeNull();
      expect(items.filter((item) => item.symbol === 'dup').length).toBe(22);
    });

    it('serves the recorded top 100 as CoinGecko sent it', async () => {
      fake.setCoins(loadFixture('coins-markets/markets_usd_top100_2025-04-14.json'));
      const { items, skipped } = await client.marketsTop(100);
      expect(skipped).toBe(0);
      expect(items).toHaveLength(100);
      expect(items[0]).toMatchObject({
        id: 'bitcoin',
        currentPrice: '85156',
        circulatingSupply: '19851175.0',
      });
      expect(items.find((coin) => coin.id === 'shiba-inu')?.currentPrice).toBe('1.238e-05');
    });

    it('skips and counts a malformed coin, keeps the others', async () => {
      fake.updateCoin('coin-00002', { current_price: 'a lot' });
      fake.updateCoin('coin-00003', { market_cap_rank: 'first' });
      const before = client.stats()['/coins/markets'].skippedItems;
      const { items, skipped } = await client.marketsTop(5);
      expect(skipped).toBe(2);
      expect(items.map((coin) => coin.id)).toEqual(['coin-00001', 'coin-00004', 'coin-00005']);
      expect(client.stats()['/coins/markets'].skippedItems - before).toBe(2);
    });

    it('fails with a clear error, without retrying, when the body is not a list', async () => {
      fake.failNext('/coins/markets', 1, faults.status(200, { coins: [] }));
      const error = await client.marketsTop(10).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CoinGeckoError);
      expect(error).toMatchObject({
        kind: 'invalid_response',
        endpoint: '/coins/markets',
        attempts: 1,
        message:
          'CoinGecko sent an unusable response on /coins/markets: expected an array of coins, got an object',
      });
      expect(fake.count('/coins/markets')).toBe(1);
    });

    it('refuses a limit that is not a positive integer', async () => {
      await expect(client.marketsTop(0)).rejects.toThrow(RangeError);
      await expect(client.marketsTop(2.5)).rejects.toThrow(RangeError);
      expect(fake.count()).toBe(0);
    });
  });

  describe('marketsByIds', () => {
    it('asks for at most 250 ids per call, comma-separated without spaces, and all of each batch on one page', async () => {
      // coin 00123 and coin 00373 carry a space in their id.
      const ids = fake
        .coins()
        .slice(0, 600)
        .map((coin) => coin.id);
      const progress: number[] = [];
      const { items, skipped, missing } = await client.marketsByIds(
        [...ids, 'coin-00001', '', 'no-such-coin'],
        {
          onProgress: (done) => progress.push(done),
        },
      );
      expect(fake.count('/coins/markets')).toBe(3);
      const batches = fake.requests.map((request) => (request.query.ids ?? '').split(','));
      expect(batches.map((batch) => batch.length)).toEqual([250, 250, 101]);
      expect(batches.flat()).toEqual([...ids, 'no-such-coin']);
      for (const request of fake.requests) {
        expect(request.query).toMatchObject({ vs_currency: 'usd', per_page: '250', page: '1' });
        expect(request.url).not.toMatch(/,(%20|\+| )/);
      }
      expect(items).toHaveLength(600);
      expect(items.find((coin) => coin.id === 'coin 00373')).toBeDefined();
      expect(skipped).toBe(0);
      expect(missing).toEqual(['no-such-coin']);
      expect(progress).toEqual([250, 500, 601]);
    });

    it('makes no request for no ids', async () => {
      expect(await client.marketsByIds([])).toEqual({ items: [], skipped: 0, missing: [] });
      expect(fake.count()).toBe(0);
    });
  });

  describe('coinsListWithPlatforms', () => {
    it('fetches the whole recorded list in one call, platforms raw', async () => {
      fake.setCoinsList(
        loadFixture<FakeCoinListItem[]>('coins-list/coins-list_include-platform_2023-10.json'),
      );
      try {
        const { items, skipped } = await client.coinsListWithPlatforms();
        expect(fake.count('/coins/list')).toBe(1);
        expect(fake.lastRequest('/coins/list')?.query).toEqual({ include_platform: 'true' });
        expect(skipped).toBe(0);
        expect(items).toHaveLength(10_244);
        const coin = (id: string) => items.find((item) => item.id === id);
        expect(coin('peos')?.platforms).toEqual({ eos: null });
        expect(coin('ayin')?.platforms).toHaveProperty('', 'vT49PY8ksoUL6NcXiZ1t2wAmC7tTPRfFfER8n3UCLvXy');
        expect(coin('acala')?.platforms).toEqual({ polkadot: '' });
        expect(coin('1move token')?.symbol).toBe('1mt');
        expect(coin('bitcoin')?.platforms).toEqual({});
      } finally {
        fake.setCoinsList(undefined);
      }
    });
  });

  describe('global', () => {
    it('reads the total market cap in USD as decimal text', async () => {
      expect((await client.global()).totalMarketCapUsd).toBe('2621040321355.0405');
      fake.setGlobal({ totalMarketCapUsd: '1.0e+13' });
      expect((await client.global()).totalMarketCapUsd).toBe('1.0e+13');
      fake.setGlobal(loadFixture('oas-examples/demo-oas_global.example.json'));
    });
  });

  describe('coin', () => {
    it('asks for the coin without tickers, market, community or developer data, the id encoded in the path', async () => {
      const detail = await client.coin('coin 00123');
      expect(fake.lastRequest('/coins/{id}')?.url).toMatch(/^\/api\/v3\/coins\/coin%2000123\?/);
      expect(fake.lastRequest('/coins/{id}')).toMatchObject({
        path: '/coins/coin 00123',
        query: {
          localization: 'false',
          tickers: 'false',
          market_data: 'false',
          community_data: 'false',
          developer_data: 'false',
          sparkline: 'false',
        },
      });
      expect(detail.id).toBe('coin 00123');
      expect(Object.values(detail.detailPlatforms).map((platform) => platform.decimalPlace)).toEqual([18, 6]);
    });

    it('reads detail_platforms as CoinGecko documents them', async () => {
      fake.setCoinDetail(
        'usd-coin',
        loadFixture('oas-examples/public-oas-2025-04_coins-contract_usd-coin.example.json'),
      );
      fake.setDetailPlatforms('coin-00002', { ethereum: { decimal_place: 9, contract_address: '0xAbC' } });
      const usdc = await client.coin('usd-coin');
      expect(usdc.detailPlatforms.ethereum).toEqual({
        decimalPlace: 6,
        contractAddress: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
      });
      expect(usdc.detailPlatforms.stellar?.decimalPlace).toBeNull();
      expect((await client.coin('coin-00002')).detailPlatforms).toEqual({
        ethereum: { decimalPlace: 9, contractAddress: '0xAbC' },
      });
    });

    it('fails at once with status 404 for an unknown id', async () => {
      const error = await client.coin('no-such-coin').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CoinGeckoError);
      expect(error).toMatchObject({
        kind: 'client_error',
        status: 404,
        endpoint: '/coins/{id}',
        path: '/coins/no-such-coin',
        attempts: 1,
        message: 'CoinGecko rejected /coins/no-such-coin (404): coin not found',
      });
      expect(fake.count('/coins/{id}')).toBe(1);
    });
  });

  describe('stats', () => {
    it('counts requests, retries, rate limits and bytes per endpoint', async () => {
      const before = client.stats();
      fake.failNext('/global', 1, faults.rateLimited());
      fake.failNext('/global', 1, faults.serverError(503));
      await client.global();
      await client.ping();
      const after = client.stats();
      expect(after['/global'].requests - before['/global'].requests).toBe(3);
      expect(after['/global'].retries - before['/global'].retries).toBe(2);
      expect(after['/global'].rateLimited - before['/global'].rateLimited).toBe(1);
      expect(after['/global'].bytes - before['/global'].bytes).toBeGreaterThan(600);
      expect(after['/ping'].requests - before['/ping'].requests).toBe(1);
      // A copy: changing it changes nothing.
      after['/ping'].requests = -1;
      expect(client.stats()['/ping'].requests).toBeGreaterThan(0);
    });
  });
});
