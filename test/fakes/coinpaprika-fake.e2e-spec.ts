import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CoinGeckoFake } from './coingecko-fake.js';
import {
  paprikaFaults,
  startCoinPaprikaFake,
  type CoinPaprikaFake,
  type PaprikaCoin,
} from './coinpaprika-fake.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const FIXTURE = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'coinpaprika', 'ticker-btc-bitcoin.json'), 'utf8'),
) as { quotes: { USD: Record<string, unknown> } } & Record<string, unknown>;

interface Ticker {
  id: string;
  symbol: string;
  rank: number;
  quotes: { USD: { price: number; market_cap: number } };
}

async function get(
  fake: CoinPaprikaFake,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; headers: Headers; body: unknown }> {
  const response = await fetch(`${fake.url}${path}`, { headers, signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, text, headers: response.headers, body };
}

describe('fake CoinPaprika: coins and tickers', () => {
  let gecko: CoinGeckoFake;
  let paprika: CoinPaprikaFake;

  beforeAll(async () => {
    gecko = await CoinGeckoFake.start();
    paprika = await startCoinPaprikaFake({ coingecko: gecko, now: () => new Date(NOW) });
  });
  afterAll(async () => {
    await paprika.close();
    await gecko.stop();
  });
  afterEach(() => paprika.reset());

  it('lists the CoinGecko coins under <symbol>-<name slug> ids, plus collisions, inactive and unranked coins', async () => {
    const { status, body } = await get(paprika, '/coins');
    expect(status).toBe(200);
    const coins = body as PaprikaCoin[];
    expect(coins[0]).toEqual({
      id: 'btc-bitcoin',
      name: 'Bitcoin',
      symbol: 'BTC',
      rank: 1,
      is_new: false,
      is_active: true,
      type: 'coin',
    });
    expect(coins.map((coin) => coin.id)).toEqual(expect.arrayContaining(['eth-ethereum', 'usdt-tether']));
    expect(paprika.idOf('ripple')).toBe('xrp-xrp');
    expect(new Set(coins.map((coin) => coin.id)).size).toBe(coins.length);
    const btc = coins.filter((coin) => coin.symbol === 'BTC');
    expect(btc.map((coin) => coin.id)).toEqual([
      'btc-bitcoin',
      'btc-bitcoin-token',
      'btc-bitcoin-old',
      'btc-bitcoin-bsc',
    ]);
    expect(btc.find((coin) => coin.id === 'btc-bitcoin-old')).toMatchObject({ is_active: false, rank: 0 });
    expect(btc.find((coin) => coin.id === 'btc-bitcoin-bsc')).toMatchObject({
      is_active: true,
      rank: 0,
      is_new: true,
    });
    expect(coins.filter((coin) => !coin.is_active).length).toBeGreaterThan(3);
    expect(coins.length).toBeGreaterThan(100);
  });

  it('answers /tickers with every active coin by rank, the ticker object of the docs, prices equal to CoinGecko', async () => {
    const { status, body, text } = await get(paprika, '/tickers?quotes=USD');
    expect(status).toBe(200);
    const tickers = body as Ticker[];
    const active = paprika.coinsList().filter((coin) => coin.is_active);
    expect(tickers).toHaveLength(active.length);
    expect(tickers[0]).toMatchObject({ id: 'btc-bitcoin', rank: 1, last_updated: '2026-12-07T12:00:00Z' });
    const ranks = tickers.map((ticker) => ticker.rank);
    const firstUnranked = ranks.indexOf(0);
    expect(ranks.slice(0, firstUnranked)).toEqual([...ranks.slice(0, firstUnranked)].sort((a, b) => a - b));
    expect(ranks.slice(firstUnranked).every((rank) => rank === 0)).toBe(true);
    // The same fields as CoinPaprika's documented example, numbers as JSON numbers.
    expect(Object.keys(tickers[0]).sort()).toEqual(Object.keys(FIXTURE).sort());
    expect(Object.keys(tickers[0].quotes.USD).sort()).toEqual(Object.keys(FIXTURE.quotes.USD).sort());
    // Amounts go out as CoinGecko's fixture wrote them (`19851175.0` stays `19851175.0`).
    expect(text).toContain('"circulating_supply":19851175.0,');
    expect(text).toContain('"quotes":{"USD":{"price":85156,');
    for (const coin of gecko.coins().slice(0, 100)) {
      const ticker = tickers.find((candidate) => candidate.id === paprika.idOf(coin.id));
      expect(ticker?.quotes.USD.price, coin.id).toBe(Number(JSON.stringify(coin.current_price)));
    }
  });

  it('follows the CoinGecko fake live, and keeps `limit` first coins', async () => {
    gecko.setPrice('ethereum', '1234.5678');
    const { body } = await get(paprika, '/tickers?quotes=USD&limit=3');
    expect((body as Ticker[]).map((ticker) => [ticker.id, ticker.rank])).toEqual([
      ['btc-bitcoin', 1],
      ['eth-ethereum', 2],
      ['usdt-tether', 3],
    ]);
    expect((body as Ticker[])[1].quotes.USD.price).toBe(1234.5678);
    expect((await get(paprika, '/tickers?quotes=EUR')).status).toBe(400);
  });

  it('answers one ticker, and 404 {"error":"id not found"} for an unknown or inactive id', async () => {
    const one = await get(paprika, '/tickers/eth-ethereum');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: 'eth-ethereum', symbol: 'ETH', rank: 2 });
    expect(await get(paprika, '/tickers/nope-nothing')).toMatchObject({
      status: 404,
      body: { error: 'id not found' },
    });
    expect((await get(paprika, '/tickers/btc-bitcoin-old')).status).toBe(404);
    expect((await get(paprika, '/global')).status).toBe(404);
  });

  it('sets one coin apart: a price, a multiplier, or left out of /tickers', async () => {
    paprika.setPriceMultiplier('bitcoin', 1.05);
    paprika.setPrice('eth-ethereum', '2000.25');
    paprika.dropTickers(['tether', 'sol-solana']);
    const tickers = (await get(paprika, '/tickers')).body as Ticker[];
    const btcGecko = Number(JSON.stringify(gecko.coins()[0].current_price));
    expect(tickers[0].quotes.USD.price).toBeCloseTo(btcGecko * 1.05, 6);
    expect(tickers[1].quotes.USD.price).toBe(2000.25);
    expect(tickers.map((ticker) => ticker.id)).not.toContain('usdt-tether');
    expect(tickers.map((ticker) => ticker.id)).not.toContain('sol-solana');
    expect((await get(paprika, '/tickers/usdt-tether')).status).toBe(200);
    paprika.restoreTickers();
    expect(((await get(paprika, '/tickers')).body as Ticker[]).map((ticker) => ticker.id)).toContain(
      'usdt-tether',
    );
  });

  it('counts requests by endpoint and by path', async () => {
    await get(paprika, '/tickers');
    await get(paprika, '/tickers/btc-bitcoin');
    await get(paprika, '/tickers/btc-bitcoin');
    expect(paprika.count('/tickers')).toBe(1);
    expect(paprika.count('/tickers/{id}')).toBe(2);
    expect(paprika.countPath('/tickers/btc-bitcoin')).toBe(2);
    expect(paprika.counts()).toEqual({ '/tickers': 1, '/tickers/btc-bitcoin': 2 });
    expect(paprika.lastRequest('/tickers')).toMatchObject({ path: '/tickers', status: 200 });
  });
});

describe('fake CoinPaprika: auth', () => {
  let paprika: CoinPaprikaFake;
  beforeAll(async () => {
    paprika = await startCoinPaprikaFake({ plan: 'starter', apiKey: 'cp-key-123' });
  });
  afterAll(() => paprika.close());

  it('needs Authorization: Bearer <key> when a key is set: 401 without, 403 with another', async () => {
    expect(await get(paprika, '/tickers')).toMatchObject({ status: 401, body: { error: 'missing API key' } });
    expect(await get(paprika, '/coins', { authorization: 'Bearer other' })).toMatchObject({
      status: 403,
      body: { error: 'invalid API key' },
    });
    expect((await get(paprika, '/coins', { authorization: 'cp-key-123' })).status).toBe(403);
    expect((await get(paprika, '/coins', { authorization: 'Bearer cp-key-123' })).status).toBe(200);
    paprika.setApiKey(undefined);
    expect((await get(paprika, '/coins')).status).toBe(200);
  });
});

describe('fake CoinPaprika: faults', () => {
  let paprika: CoinPaprikaFake;
  beforeAll(async () => {
    paprika = await startCoinPaprikaFake({ coins: 5 });
  });
  afterAll(() => paprika.close());
  afterEach(() => paprika.reset());

  it('scripts 5xx, 429 with Retry-After, HTML pages, truncated JSON and plan refusals per endpoint', async () => {
    paprika.failNext('/tickers', 1, paprikaFaults.serverError(503));
    paprika.failNext('/tickers', 1, paprikaFaults.rateLimited('7'));
    paprika.failNext('/tickers', 1, paprikaFaults.htmlError(522));
    paprika.failNext('/tickers', 1, paprikaFaults.truncatedJson());
    paprika.failNext('/tickers', 1, paprikaFaults.planRefusal());
    paprika.failNext('/tickers', 1, paprikaFaults.status(418, 'teapot', { 'x-why': 'test' }));
    const unavailable = await get(paprika, '/tickers');
    expect(unavailable).toMatchObject({ status: 503, body: { error: 'Service Unavailable' } });
    const limited = await get(paprika, '/tickers');
    expect(limited).toMatchObject({ status: 429, body: { error: 'Too many requests' } });
    expect(limited.headers.get('retry-after')).toBe('7');
    const html = await get(paprika, '/tickers');
    expect(html.status).toBe(522);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.text).toContain('Error code 522');
    const truncated = await get(paprika, '/tickers');
    expect(truncated.status).toBe(200);
    expect(truncated.body).toBeUndefined();
    expect(truncated.text.startsWith('[{"id":"c00001-coin-00001"')).toBe(true);
    expect(await get(paprika, '/tickers')).toMatchObject({ status: 402 });
    const teapot = await get(paprika, '/tickers');
    expect([teapot.status, teapot.text, teapot.headers.get('x-why')]).toEqual([418, 'teapot', 'test']);
    // Only /tickers was scripted; the queue is used up.
    expect((await get(paprika, '/coins')).status).toBe(200);
    expect((await get(paprika, '/tickers')).status).toBe(200);
    expect(paprika.count('/tickers')).toBe(7);
  });

  it('scripts faults for every endpoint at once', async () => {
    paprika.failNext('all', 2, paprikaFaults.serverError(500));
    expect((await get(paprika, '/coins')).status).toBe(500);
    expect((await get(paprika, '/tickers/c00001-coin-00001')).status).toBe(500);
    expect((await get(paprika, '/coins')).status).toBe(200);
  });

  it('resets the connection, or never answers', async () => {
    paprika.failNext('/coins', 1, paprikaFaults.connectionReset());
    await expect(get(paprika, '/coins')).rejects.toThrow();
    paprika.failNext('/coins', 1, paprikaFaults.hang());
    const started = Date.now();
    await expect(
      fetch(`${paprika.url}/coins`, { signal: AbortSignal.timeout(300) }).then((response) => response.text()),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('fails a share of requests, the same ones on every run', async () => {
    const statuses = async (): Promise<number[]> => {
      paprika.setFailRate(0.5, { endpoint: '/tickers', seed: 42 });
      const seen: number[] = [];
      for (let i = 0; i < 20; i++) seen.push((await get(paprika, '/tickers')).status);
      return seen;
    };
    const first = await statuses();
    expect(await statuses()).toEqual(first);
    expect(first.filter((status) => status === 503).length).toBeGreaterThan(3);
    expect(first.filter((status) => status === 200).length).toBeGreaterThan(3);
    expect((await get(paprika, '/coins')).status).toBe(200);
    paprika.setFailRate(1, { fault: paprikaFaults.htmlError(502) });
    expect((await get(paprika, '/coins')).status).toBe(502);
    paprika.setFailRate(null);
    expect((await get(paprika, '/coins')).status).toBe(200);
  });

  it('limits requests per window with 429 and Retry-After', async () => {
    paprika.setRateLimit(2, 60_000);
    expect((await get(paprika, '/coins')).status).toBe(200);
    expect((await get(paprika, '/tickers')).status).toBe(200);
    const refused = await get(paprika, '/coins');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(50);
  });

  it('delays every answer by latencyMs, and holds answers until released', async () => {
    paprika.latencyMs = 150;
    const started = Date.now();
    await get(paprika, '/coins');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    paprika.latencyMs = 0;
    const release = paprika.holdAnswers();
    const pending = get(paprika, '/coins');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(paprika.lastRequest('/coins')?.status).toBeUndefined();
    release();
    expect((await pending).status).toBe(200);
  });
});

interface Tick {
  timestamp: string;
  price: number;
  volume_24h: number;
  market_cap: number;
}

describe('fake CoinPaprika: history by plan', () => {
  let gecko: CoinGeckoFake;
  let paprika: CoinPaprikaFake;
  const hist = (query: string) => get(paprika, `/tickers/btc-bitcoin/historical?${query}`);

  beforeAll(async () => {
    gecko = await CoinGeckoFake.start({ now: () => new Date(NOW) });
    paprika = await startCoinPaprikaFake({ coingecko: gecko, now: () => new Date(NOW) });
  });
  afterAll(async () => {
    await paprika.close();
    await gecko.stop();
  });
  afterEach(() => {
    paprika.reset();
    paprika.setPlan('free');
  });

  it('serves daily points of the last year on the free plan, aligned, deterministic, near CoinGecko', async () => {
    const start = new Date(NOW - 364 * DAY).toISOString().slice(0, 10);
    const { status, body } = await hist(`start=${start}&interval=1d&quote=usd&limit=5000`);
    expect(status).toBe(200);
    const ticks = body as Tick[];
    expect(ticks).toHaveLength(365);
    expect(ticks[0].timestamp).toBe(`${start}T00:00:00Z`);
    expect(ticks.at(-1)?.timestamp).toBe('2026-12-07T00:00:00Z');
    const at = Date.parse(ticks[10].timestamp);
    expect(String(ticks[10].price)).toBe(String(Number(paprika.historicalValues('btc-bitcoin', at)?.price)));
    // The CoinGecko fake's chart at the same time holds the same value.
    expect(gecko.chartValues('bitcoin', at)?.price).toBe(paprika.historicalValues('bitcoin', at)?.price);
    const current = Number(JSON.stringify(gecko.coins()[0].current_price));
    for (const tick of ticks) expect(Math.abs(tick.price / current - 1)).toBeLessThan(0.06);
    expect(new Set(ticks.map((tick) => tick.price)).size).toBeGreaterThan(300);
    expect((await hist(`start=${start}&interval=1d`)).body).toEqual(body);
  });

  it('takes start as Unix seconds, stops at end and at limit', async () => {
    const start = Math.floor((NOW - 10 * 60 * 60 * 1000) / 1000);
    const end = Math.floor((NOW - 5 * 60 * 60 * 1000) / 1000);
    const ticks = (await hist(`start=${start}&end=${end}&interval=1h`)).body as Tick[];
    expect(ticks.map((tick) => tick.timestamp)).toEqual([
      '2026-12-07T02:00:00Z',
      '2026-12-07T03:00:00Z',
      '2026-12-07T04:00:00Z',
      '2026-12-07T05:00:00Z',
      '2026-12-07T06:00:00Z',
      '2026-12-07T07:00:00Z',
    ]);
    expect((await hist(`start=${start}&interval=1h&limit=2`)).body).toHaveLength(2);
    expect((await hist(`start=${start}&interval=1h&limit=5001`)).status).toBe(400);
    expect((await hist(`interval=1h`)).status).toBe(400);
    expect((await hist(`start=yesterday&interval=1h`)).status).toBe(400);
    expect((await hist(`start=${start}&interval=4h`)).status).toBe(400);
    expect((await get(paprika, `/tickers/nope-nothing/historical?start=${start}`)).status).toBe(404);
  });

  it('refuses with 402 what the free plan does not cover: daily past a year, hourly past a day, any 5-minute', async () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    const refused = await hist(`start=${iso(NOW - 366 * DAY)}&interval=1d`);
    expect(refused.status).toBe(402);
    expect((refused.body as { error: string }).error).toContain('free');
    expect((await hist(`start=${iso(NOW - 23 * 60 * 60 * 1000)}&interval=1h`)).status).toBe(200);
    expect((await hist(`start=${iso(NOW - 2 * DAY)}&interval=1h`)).status).toBe(402);
    expect((await hist(`start=${iso(NOW - 60 * 60 * 1000)}&interval=5m`)).status).toBe(402);
    // Without interval CoinPaprika uses 5m: refused on free as well.
    expect((await hist(`start=${iso(NOW - 60 * 60 * 1000)}`)).status).toBe(402);
  });

  it('serves each paid plan its own ranges', async () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    paprika.setPlan('starter');
    expect((await hist(`start=${iso(NOW - 6 * DAY)}&interval=5m&limit=10`)).status).toBe(200);
    expect((await hist(`start=${iso(NOW - 8 * DAY)}&interval=5m`)).status).toBe(402);
    expect((await hist(`start=${iso(NOW - 29 * DAY)}&interval=1h`)).status).toBe(200);
    expect((await hist(`start=${iso(NOW - 31 * DAY)}&interval=1h`)).status).toBe(402);
    expect((await hist(`start=${iso(NOW - 4 * 365 * DAY)}&interval=1d`)).status).toBe(200);
    expect((await hist(`start=${iso(NOW - 6 * 365 * DAY)}&interval=1d`)).status).toBe(402);
    paprika.setPlan('pro');
    expect((await hist(`start=${iso(NOW - 89 * DAY)}&interval=1h`)).status).toBe(200);
    expect((await hist(`start=${iso(NOW - 91 * DAY)}&interval=1h`)).status).toBe(402);
    const old = await hist('start=2010-01-01&interval=1d&limit=3');
    expect((old.body as Tick[]).map((tick) => tick.timestamp)).toEqual([
      '2015-01-01T00:00:00Z',
      '2015-01-02T00:00:00Z',
      '2015-01-03T00:00:00Z',
    ]);
    paprika.setPlan('business');
    expect((await hist(`start=${iso(NOW - 364 * DAY)}&interval=5m&limit=1`)).status).toBe(200);
    expect((await hist(`start=${iso(NOW - 364 * DAY)}&interval=1h&limit=1`)).status).toBe(200);
  });

  it('applies the price multiplier to the history too', async () => {
    const start = new Date(NOW - 2 * DAY).toISOString();
    const plain = (await hist(`start=${start}&interval=1d`)).body as Tick[];
    paprika.setPriceMultiplier('btc-bitcoin', 2);
    const doubled = (await hist(`start=${start}&interval=1d`)).body as Tick[];
    expect(doubled[0].price / plain[0].price).toBeCloseTo(2, 9);
  });
});
