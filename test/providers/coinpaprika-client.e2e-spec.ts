import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemorySlotStore } from '../../src/coingecko/limiter/memory-slot-store.js';
import type { AppConfig, CoinPaprikaPlan } from '../../src/config/app-config.js';
import { COINPAPRIKA_HOSTS } from '../../src/config/provider-env.js';
import { CoinPaprikaError } from '../../src/providers/coinpaprika/coinpaprika.errors.js';
import {
  createCoinPaprika,
  type CoinPaprikaParts,
} from '../../src/providers/coinpaprika/coinpaprika.factory.js';
import { sendsKey } from '../../src/providers/coinpaprika/coinpaprika.transport.js';
import { HistoryRangeUnavailableError } from '../../src/providers/provider-errors.js';
import { paprikaFaults, startCoinPaprikaFake, type CoinPaprikaFake } from '../fakes/coinpaprika-fake.js';

/*
 * CoinPaprikaClient over real HTTP against the fake CoinPaprika, built as ProvidersModule builds it
 * (createCoinPaprika), with the limiter's window in memory (the database's is covered by
 * providers-usage.e2e-spec.ts) and retry waits of a few milliseconds. Time is the fake's and the
 * client's injected clock, never waited for.
 */

const NOW = new Date('2026-12-07T12:00:00Z');
const KEY = 'paprika-secret-key-0123456789';
const waits: number[] = [];

function settings(plan: CoinPaprikaPlan, url: string, apiKey?: string): AppConfig['coinpaprika'] {
  return {
    plan,
    baseUrl: url,
    apiKey,
    rateLimitPerMinute: 100_000,
    monthlyCallBudget: 1_000_000,
    timeoutMs: 300,
    maxRetries: 4,
    retryBaseMs: 1,
    retryMaxMs: 5,
  };
}

function build(config: AppConfig['coinpaprika']): CoinPaprikaParts {
  return createCoinPaprika({
    settings: config,
    store: new MemorySlotStore(),
    clock: { now: () => NOW },
    // The limiter's hold after a 429 is recorded as well (the retry's own wait is what the spec checks).
    limiterWait: () => Promise.resolve(),
    retry: {
      // Retry-After waits are recorded, not slept: the spec checks them instead of waiting seconds.
      wait: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    },
  });
}

describe('CoinPaprikaClient against the fake CoinPaprika', () => {
  let fake: CoinPaprikaFake;
  let parts: CoinPaprikaParts;

  beforeAll(async () => {
    fake = await startCoinPaprikaFake({ now: () => NOW, plan: 'free' });
    parts = build(settings('free', fake.url));
  });

  afterEach(() => {
    fake.reset();
    waits.length = 0;
  });

  afterAll(async () => {
    parts?.transport.close();
    await fake?.close();
  });

  it('prices N ids with ONE /tickers call; missing = ids it does not list or lists without a price', async () => {
    const ids = ['bitcoin', 'ethereum', 'tether', 'solana', 'dogecoin'].map((id) => fake.idOf(id));
    fake.dropTickers([ids[3]]);
    const result = await parts.client.prices([...ids, 'nope-unknown', ids[0]]);
    expect(fake.count()).toBe(1);
    expect(fake.lastRequest()?.path).toBe('/tickers');
    expect(fake.lastRequest()?.query).toMatchObject({ quotes: 'USD' });
    expect(result.items.map((item) => item.providerId)).toEqual([ids[0], ids[1], ids[2], ids[4]]);
    expect(result.missing).toEqual([ids[3], 'nope-unknown']);
    const btc = result.items[0];
    expect(btc).toMatchObject({ providerId: 'btc-bitcoin', symbol: 'BTC', rank: 1 });
    expect(btc.priceUsd).toMatch(/^\d+(\.\d+)?$/);
  });

  it('keeps the decimal text CoinPaprika wrote', async () => {
    fake.setPrice('bitcoin', '97123.123456789012345678');
    const { items } = await parts.client.prices(['btc-bitcoin']);
    expect(items[0].priceUsd).toBe('97123.123456789012345678');
  });

  it('marketsTop takes the first ranked tickers of one call; coins() is one /coins call', async () => {
    const top = await parts.client.marketsTop(3);
    expect(top.map((quote) => quote.rank)).toEqual([1, 2, 3]);
    const coins = await parts.client.coins();
    expect(coins.length).toBeGreaterThan(100);
    expect(coins.some((coin) => !coin.isActive)).toBe(true);
    expect(fake.counts()).toEqual({ '/tickers': 1, '/coins': 1 });
  });

  it('retries 429 (honouring Retry-After), 5xx, HTML pages, truncated JSON and resets, then answers', async () => {
    const before = parts.client.stats()['/tickers'];
    fake.failNext('/tickers', 1, paprikaFaults.rateLimited('3'));
    fake.failNext('/tickers', 1, paprikaFaults.serverError(503));
    fake.failNext('/tickers', 1, paprikaFaults.htmlError(522));
    fake.failNext('/tickers', 1, paprikaFaults.truncatedJson());
    const tickers = await parts.client.tickers();
    expect(tickers.length).toBeGreaterThan(50);
    expect(fake.count('/tickers')).toBe(5);
    expect(waits[0]).toBe(3000);
    const after = parts.client.stats()['/tickers'];
    expect(after.requests - before.requests).toBe(5);
    expect(after.retries - before.retries).toBe(4);
    expect(after.rateLimited - before.rateLimited).toBe(1);
    expect(after.failures - before.failures).toBe(0);
  });

  it('retries a timeout (no answer within COINPAPRIKA_TIMEOUT_MS)', async () => {
    fake.failNext('/coins', 1, paprikaFaults.hang());
    await parts.client.coins();
    expect(fake.count('/coins')).toBe(2);
  });

  it('gives up after its retries with an error naming CoinPaprika, upstream and not retryable', async () => {
    fake.failNext('/tickers', 5, paprikaFaults.serverError(502));
    const error = await parts.client.tickers().catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(CoinPaprikaError);
    expect(error).toMatchObject({
      kind: 'server_error',
      status: 502,
      attempts: 5,
      upstream: true,
      retryable: false,
    });
    expect((error as Error).message).toMatch(
      /^CoinPaprika server error \(502\) on \/tickers after 5 attempts/,
    );
    expect(fake.count('/tickers')).toBe(5);
  });

  it('does not retry a 4xx', async () => {
    fake.failNext('/tickers', 1, paprikaFaults.status(400, { error: 'invalid quotes' }));
    const error = await parts.client.tickers().catch((failure: unknown) => failure);
    expect(error).toMatchObject({ kind: 'client_error', status: 400, attempts: 1 });
    expect((error as Error).message).toBe('CoinPaprika rejected /tickers (400): invalid quotes');
    expect(fake.count()).toBe(1);
  });

  it('asks history only within the plan: one call at the finest interval, never a range it cannot serve', async () => {
    const from = new Date(NOW.getTime() - 20 * 3_600_000);
    const points = await parts.client.historyRange('btc-bitcoin', { from, to: NOW });
    expect(fake.count()).toBe(1);
    expect(fake.lastRequest()?.query).toMatchObject({ interval: '1h', quote: 'usd' });
    expect(points.length).toBeGreaterThanOrEqual(20);
    const first = points[0];
    expect(first.priceUsd).toBe(fake.historicalValues('btc-bitcoin', first.at.getTime())?.price);

    const daily = await parts.client.historyRange('btc-bitcoin', {
      from: new Date(NOW.getTime() - 300 * 86_400_000),
      to: NOW,
    });
    expect(fake.lastRequest()?.query).toMatchObject({ interval: '1d' });
    expect(daily.length).toBeGreaterThanOrEqual(299);

    fake.clearRequests();
    const tooOld = { from: new Date(NOW.getTime() - 400 * 86_400_000), to: NOW };
    const error = await parts.client.historyRange('btc-bitcoin', tooOld).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(HistoryRangeUnavailableError);
    expect((error as Error).message).toMatch(/^CoinPaprika cannot serve history from .* on the "free" plan/);
    expect(fake.count()).toBe(0);
  });
});

describe('CoinPaprika keys', () => {
  let fake: CoinPaprikaFake;
  const built: CoinPaprikaParts[] = [];
  const client = (config: AppConfig['coinpaprika']) => {
    const parts = build(config);
    built.push(parts);
    return parts.client;
  };

  beforeAll(async () => {
    fake = await startCoinPaprikaFake({ now: () => NOW, plan: 'starter', apiKey: KEY });
  });

  afterAll(async () => {
    for (const parts of built) parts.transport.close();
    await fake?.close();
  });

  it('sends Authorization: Bearer on a paid plan', async () => {
    await client(settings('starter', fake.url, KEY)).tickers();
    expect(fake.lastRequest()?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('never sends the key on the free plan, nor to the free host whatever the plan', async () => {
    fake.setApiKey(undefined);
    await client(settings('free', fake.url, KEY)).tickers();
    expect(fake.lastRequest()?.headers.authorization).toBeUndefined();
    fake.setApiKey(KEY);
    expect(sendsKey(settings('pro', COINPAPRIKA_HOSTS.free, KEY))).toBe(false);
    expect(sendsKey(settings('pro', COINPAPRIKA_HOSTS.pro, KEY))).toBe(true);
  });

  it('a refused key fails at once, naming CoinPaprika and never the key, even when the answer echoes it', async () => {
    const wrong = 'wrong-paprika-key-9876543210';
    fake.failNext('/tickers', 1, paprikaFaults.status(403, { error: `invalid API key ${wrong}` }));
    const error = await client(settings('starter', fake.url, wrong))
      .tickers()
      .catch((failure: unknown) => failure);
    expect(error).toMatchObject({ kind: 'auth', status: 403, attempts: 1 });
    const message = (error as Error).message;
    expect(message).toMatch(
      /^CoinPaprika refused \/tickers \(403\) on the "starter" plan: check COINPAPRIKA_API_KEY/,
    );
    expect(message).not.toContain(wrong);
    expect(JSON.stringify(error)).not.toContain(wrong);
  });
});
