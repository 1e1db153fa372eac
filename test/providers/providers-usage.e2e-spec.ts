import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoinPaprikaClient } from '../../src/providers/coinpaprika/coinpaprika.client.js';
import { CoinPaprikaBudgetError } from '../../src/providers/coinpaprika/coinpaprika.errors.js';
import { startCoinPaprikaFake, type CoinPaprikaFake } from '../fakes/coinpaprika-fake.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'providers-usage-token-0123456789abcdef';

/*
 * CoinPaprika's shared limit and budget through the whole service: two app instances ("replicas") on one
 * PostgreSQL database, each with its own CoinPaprikaClient, against one fake CoinPaprika; then the figures
 * of GET /providers/usage and /metrics.
 */
describe('CoinPaprika limit, budget and usage across two instances', () => {
  let db: TestDatabase;
  let fake: CoinPaprikaFake;
  let apps: RunningApp[];
  const client = (index: number) => apps[index].app.get(CoinPaprikaClient, { strict: false });

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await startCoinPaprikaFake();
    const env = {
      DATABASE_URL: db.url,
      PRICE_PROVIDERS: 'coingecko,coinpaprika',
      COINPAPRIKA_BASE_URL: fake.url,
      COINPAPRIKA_RATE_LIMIT_PER_MINUTE: '2',
      COINPAPRIKA_MONTHLY_CALL_BUDGET: '3',
      API_TOKENS: TOKEN,
    };
    apps = [await startApp(env), await startApp(env)];
  });

  afterAll(async () => {
    for (const running of apps ?? []) await running.close();
    await fake?.close();
    await db?.drop();
  });

  const api = (path: string, token = TOKEN) =>
    fetch(`${apps[1].baseUrl}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('shares the per-minute limit: after 2 calls from one instance, the other waits instead of sending', async () => {
    await client(0).tickers();
    await client(0).tickers();
    const waited = await client(1)
      .tickers({ signal: AbortSignal.timeout(1500) })
      .catch((error: unknown) => error);
    expect(waited).toMatchObject({ name: 'TimeoutError' });
    expect(fake.count('/tickers')).toBe(2);
  });

  it('answers GET /providers/usage per provider: calls of every instance, budget, remaining, by job', async () => {
    expect((await api('/api/v1/providers/usage', '')).status).toBe(401);
    const answer = await api('/api/v1/providers/usage');
    expect(answer.status).toBe(200);
    const month = new Date().toISOString().slice(0, 7);
    const body = (await answer.json()) as { month: string; providers: unknown[] };
    expect(body.month).toBe(month);
    expect(body.providers).toEqual([
      expect.objectContaining({ provider: 'coingecko', in_use: true, preference: 1, calls: 0, by_job: {} }),
      {
        provider: 'coinpaprika',
        label: 'CoinPaprika',
        in_use: true,
        preference: 2,
        plan: 'free',
        // The call that gave up waiting was never sent, and was taken back.
        calls: 2,
        budget: 3,
        remaining: 1,
        by_job: { unattributed: 2 },
        by_endpoint: { '/tickers': 2 },
      },
    ]);
    // CoinGecko's own figures do not see CoinPaprika's calls.
    const coingecko = (await (await api('/api/v1/coingecko/usage')).json()) as { calls: number };
    expect(coingecko.calls).toBe(0);
  });

  it('refuses a call once the month’s budget is spent, on every instance, sending nothing', async () => {
    // The window of the limit test would make the next call wait a minute: empty it (the budget is what is tested).
    await db.query(`update rate_limit_windows set starts = '{}' where key = 'coinpaprika'`);
    await client(1).tickers();
    expect(fake.count('/tickers')).toBe(3);
    for (const index of [0, 1]) {
      const refused = await client(index)
        .prices(['btc-bitcoin'])
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(CoinPaprikaBudgetError);
      expect(refused).toMatchObject({ upstream: true, retryable: false });
      expect((refused as Error).message).toMatch(/^CoinPaprika monthly call budget of 3 calls is used up/);
    }
    expect(fake.count('/tickers')).toBe(3);
    const usage = (await (await api('/api/v1/providers/usage')).json()) as {
      providers: { provider: string; calls: number; remaining: number }[];
    };
    expect(usage.providers[1]).toMatchObject({ provider: 'coinpaprika', calls: 3, remaining: 0 });
  });

  it('reports the calls in /metrics, labelled with the provider', async () => {
    const metrics = await (await fetch(`${apps[0].baseUrl}/metrics`)).text();
    expect(metrics).toContain('cpb_provider_requests_total{provider="coinpaprika",endpoint="/tickers"} 2');
    expect(metrics).toContain('cpb_provider_calls_month{provider="coinpaprika"} 3');
    expect(metrics).toContain('cpb_provider_budget_remaining{provider="coinpaprika"} 0');
    const other = await (await fetch(`${apps[1].baseUrl}/metrics`)).text();
    expect(other).toContain('cpb_provider_requests_total{provider="coinpaprika",endpoint="/tickers"} 1');
  });
});
