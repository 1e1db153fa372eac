import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoinGeckoFake } from '../fakes/coingecko-fake.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'metrics-test-api-token-0123456789';
const METRICS_TOKEN = 'scraper-secret-0123456789abcdef';

describe('/metrics', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;
  let open: RunningApp;
  let guarded: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 30 });
    const env = {
      DATABASE_URL: db.url,
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '10000',
      API_TOKENS: TOKEN,
    };
    open = await startApp(env);
    guarded = await startApp({ ...env, METRICS_TOKEN });
  });

  afterAll(async () => {
    await open?.close();
    await guarded?.close();
    await fake?.stop();
    await db?.drop();
  });

  const value = (text: string, series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('exposes runs, items, running jobs, last successes and CoinGecko counters in Prometheus format', async () => {
    const run = await fetch(`${open.baseUrl}/api/v1/jobs/collect-top-coins`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 10 }),
    });
    expect(run.status).toBe(200);

    const response = await fetch(`${open.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(
      value(text, 'cpb_job_runs_total{job="top_coins_collection",status="succeeded",trigger="manual"}'),
    ).toBe(1);
    expect(value(text, 'cpb_job_items_total{job="top_coins_collection",kind="processed"}')).toBe(10);
    expect(value(text, 'cpb_job_items_total{job="top_coins_collection",kind="created"}')).toBe(10);
    expect(
      value(text, 'cpb_job_run_duration_seconds_count{job="top_coins_collection",status="succeeded"}'),
    ).toBe(1);
    expect(value(text, 'cpb_job_running{job="price_collection"}')).toBe(0);
    const lastSuccess = value(text, 'cpb_job_last_success_timestamp_seconds{job="top_coins_collection"}');
    expect(lastSuccess).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(value(text, 'cpb_coingecko_requests_total{endpoint="/coins/markets"}')).toBe(1);
    expect(value(text, 'cpb_coingecko_requests_total{endpoint="/global"}')).toBe(1);
    expect(text).toContain('cpb_process_cpu_seconds_total');
  });

  it('needs the METRICS_TOKEN when one is configured (and no API token will do)', async () => {
    const none = await fetch(`${guarded.baseUrl}/metrics`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'METRICS_TOKEN required',
    });
    expect(
      (await fetch(`${guarded.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(401);
    const ok = await fetch(`${guarded.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('cpb_job_runs_total');
  });
});
