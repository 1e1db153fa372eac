import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/jobs/job-result.js';
import { CoinGeckoFake, faults } from '../fakes/coingecko-fake.js';
import { DUPLICATE_QUERIES } from '../collectors/harness.js';
import { JOB_MODULES } from '../../src/app.module.js';
import { definitionsOf } from '../../src/jobs/framework/job-module.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TestJwksServer } from '../support/jwks.js';
import { sleep } from '../support/jobs.js';

const TOKEN = 'test-admin-token-0123456789abcdef';

describe('jobs API', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;
  let jwks: TestJwksServer;
  let running: RunningApp;
  let readerToken: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 300 });
    jwks = await TestJwksServer.start();
    running = await startApp({
      DATABASE_URL: db.url,
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      COINGECKO_MAX_RETRIES: '1',
      COINGECKO_RETRY_BASE_MS: '1',
      COINGECKO_RETRY_MAX_MS: '5',
      CONTRACT_ADDRESSES_COLLECTION_TIMEOUT_MS: '1000',
      API_TOKENS: TOKEN,
      TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
      ...jwks.env(),
    });
    readerToken = await jwks.mint({ realm_access: { roles: ['reader'] } });
  });

  afterAll(async () => {
    await running?.close();
    await fake?.stop();
    await jwks?.close();
    await db?.drop();
  });

  const api = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const token = init.token === undefined ? TOKEN : init.token;
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(`${running.baseUrl}/api/v1${path}`, { ...init, headers });
  };
  const post = (path: string, body?: unknown, init: RequestInit & { token?: string | null } = {}) =>
    api(path, {
      method: 'POST',
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const runCount = async (): Promise<number> =>
    (await db.query<{ n: number }>(`select count(*)::int as n from job_runs`))[0].n;

  it("works as the original README's curl commands: two runs, then its duplicate query finds nothing", async () => {
    for (let i = 0; i < 2; i++) {
      const response = await post('/jobs/collect-top-coins', { limit: 10 });
      expect(response.status).toBe(200);
      const result = (await response.json()) as JobResult;
      expect(result).toMatchObject({
        success: true,
        job_name: 'top_coins_collection(limit=10)',
        status: 'succeeded',
      });
      expect(result.metrics).toMatchObject({ items_processed: 10, items_created: i === 0 ? 10 : 0 });
      expect(Object.keys(result).sort()).toEqual(
        [
          'attempts',
          'completed_at',
          'duration_ms',
          'job_name',
          'metrics',
          'run_id',
          'started_at',
          'status',
          'success',
        ].sort(),
      );
    }
    expect(
      await db.query(`SELECT asset_id, snapshot_date, source, COUNT(*) as count
                        FROM asset_rankings GROUP BY asset_id, snapshot_date, source HAVING COUNT(*) > 1`),
    ).toEqual([]);
    expect(await db.query(DUPLICATE_QUERIES.assets)).toEqual([]);
  });

  it('uses the configured limit for an empty body or no body at all', async () => {
    const empty = await post('/jobs/collect-top-coins', {});
    expect(((await empty.json()) as JobResult).job_name).toBe('top_coins_collection(limit=100)');
    const none = await api('/jobs/collect-prices', { method: 'POST' });
    expect(none.status).toBe(200);
    expect(((await none.json()) as JobResult).job_name).toBe('price_collection(limit=100)');
  });

  it('accepts null (all) for the contract job', async () => {
    // wait=false: this app gives the contract job a 1 s timeout (for the 500 test below), which a slow
    // machine may hit; what is checked here is the accepted body and the run it started.
    const all = await post('/jobs/collect-contract-addresses?wait=false', { limit: null });
    expect(all.status).toBe(202);
    const { run_id: runId } = (await all.json()) as { run_id: string };
    let run: { job_name: string; status: string; params: unknown } | undefined;
    for (let i = 0; i < 100 && (!run || run.status === 'running'); i++) {
      if (run) await sleep(50);
      run = (await (await api(`/jobs/runs/${runId}`)).json()) as typeof run;
    }
    expect(run).toMatchObject({
      job_name: 'contract_addresses_collection(limit=all)',
      params: { limit: null },
    });
    expect(run?.status).not.toBe('running');
  });

  it.each([
    ['/jobs/collect-top-coins', { limit: 0 }, 'limit must be an integer between 1 and 10000'],
    ['/jobs/collect-top-coins', { limit: -5 }, 'limit must be an integer between 1 and 10000'],
    ['/jobs/collect-top-coins', { limit: 2.5 }, 'limit must be an integer between 1 and 10000'],
    ['/jobs/collect-top-coins', { limit: '10' }, 'limit must be an integer between 1 and 10000'],
    ['/jobs/collect-top-coins', { limit: 10_001 }, 'limit must be an integer between 1 and 10000'],
    ['/jobs/collect-top-coins', { limit: null }, 'limit must be an integer between 1 and 10000'],
    ['/jobs/collect-prices', { limit: true }, 'limit must be an integer between 1 and 10000'],
    ['/jobs/collect-prices', { limit: 10, extra: 1 }, 'property extra should not exist'],
    [
      '/jobs/collect-contract-addresses',
      { limit: 100_001 },
      'limit must be an integer between 1 and 100000, or null for all',
    ],
    [
      '/jobs/collect-contract-addresses',
      { limit: 'all' },
      'limit must be an integer between 1 and 100000, or null for all',
    ],
    ['/jobs/collect-top-coins', '{"limit": 10', 'Request body is not valid JSON'],
    ['/jobs/collect-top-coins', '[1, 2]', 'Request body must be a JSON object'],
  ])('POST %s %j → 400 naming the field and rule, and nothing runs', async (path, body, message) => {
    const before = await runCount();
    const response = await post(path, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', message });
    expect(await runCount()).toBe(before);
  });

  it('refuses a body that is not JSON with 415 and a bad wait flag with 400; nothing runs', async () => {
    const before = await runCount();
    const form = await api('/jobs/collect-top-coins', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'limit=10',
    });
    expect(form.status).toBe(415);
    const wait = await post('/jobs/collect-top-coins?wait=maybe', { limit: 1 });
    expect(wait.status).toBe(400);
    expect(await wait.json()).toMatchObject({ message: 'wait must be true or false' });
    expect(await runCount()).toBe(before);
  });

  it('wait=false answers 202 with the run id at once; polling the status URL shows it finish', async () => {
    fake.latencyMs = 200;
    try {
      const response = await post('/jobs/collect-top-coins?wait=false', { limit: 20 });
      expect(response.status).toBe(202);
      const accepted = (await response.json()) as { run_id: string; status_url: string };
      expect(accepted.status_url).toBe(`/api/v1/jobs/runs/${accepted.run_id}`);

      // While it runs, a second trigger of the same job is refused with 409 and the running run's id.
      const conflict = await post('/jobs/collect-top-coins', { limit: 5 });
      expect(conflict.status).toBe(409);
      expect(await conflict.json()).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: `top_coins_collection is already running (run ${accepted.run_id})`,
        run_id: accepted.run_id,
      });

      let status = 'running';
      let run: Record<string, unknown> = {};
      for (let i = 0; i < 100 && status === 'running'; i++) {
        run = (await (
          await fetch(`${running.baseUrl}${accepted.status_url}`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          })
        ).json()) as Record<string, unknown>;
        status = String(run.status);
        if (status === 'running') await sleep(50);
      }
      expect(run).toMatchObject({
        run_id: accepted.run_id,
        job_key: 'top_coins_collection',
        job_name: 'top_coins_collection(limit=20)',
        trigger: 'manual',
        status: 'succeeded',
        success: true,
        params: { limit: 20 },
        scheduled_for: null,
      });
    } finally {
      fake.latencyMs = 0;
    }
  });

  it('answers 502 with the JobResult when CoinGecko failed the run', async () => {
    fake.failNext('/coins/markets', 2, faults.serverError(503));
    const response = await post('/jobs/collect-top-coins', { limit: 5 });
    expect(response.status).toBe(502);
    const result = (await response.json()) as JobResult;
    expect(result).toMatchObject({ success: false, status: 'failed' });
    expect(result.error).toMatch(/^CoinGecko .*503.* on \/coins\/markets after 2 attempts/);
    fake.reset();
  });

  it('answers 500 with the JobResult when the run failed for another reason (a timeout)', async () => {
    fake.latencyMs = 1500;
    try {
      const response = await post('/jobs/collect-contract-addresses', { limit: 5 });
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ success: false, error: 'timed out after 1000 ms' });
    } finally {
      fake.latencyMs = 0;
      fake.reset();
    }
  });

  it('GET /jobs lists each job with its schedule, next run and last run', async () => {
    const response = await api('/jobs', { token: readerToken });
    expect(response.status).toBe(200);
    const jobs = (await response.json()) as {
      key: string;
      enabled: boolean;
      schedule: string;
      next_run_at: string | null;
      last_run: { status: string } | null;
    }[];
    // Every registered job, in JOB_MODULES order.
    expect(jobs.map((job) => job.key)).toEqual(definitionsOf(JOB_MODULES).map((job) => job.key));
    expect(jobs.map((job) => job.key)).toEqual(
      expect.arrayContaining([
        'top_coins_collection',
        'price_collection',
        'contract_addresses_collection',
        'job_runs_retention',
      ]),
    );
    // The test app disables the schedules (QUIET_ENV).
    expect(jobs[0]).toMatchObject({ enabled: false, schedule: '0 0 0 * * *', next_run_at: null });
    expect(jobs[0].last_run?.status).toBeDefined();
  });

  it('GET /jobs/runs pages through the history newest first without gaps or repeats, and filters', async () => {
    const all = await db.query<{ id: string }>(`select id from job_runs order by started_at desc, id desc`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/jobs/runs?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await api(query, { token: readerToken })).json()) as {
        items: { run_id: string }[];
        next_cursor: string | null;
      };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.run_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.map((row) => row.id));

    const failed = (await (await api('/jobs/runs?status=failed&job=top_coins_collection')).json()) as {
      items: { status: string; job_key: string }[];
    };
    expect(failed.items.length).toBeGreaterThan(0);
    expect(
      failed.items.every((item) => item.status === 'failed' && item.job_key === 'top_coins_collection'),
    ).toBe(true);
  });

  it.each([
    ['/jobs/runs?limit=0', 'limit must be an integer between 1 and 200'],
    ['/jobs/runs?limit=201', 'limit must be an integer between 1 and 200'],
    ['/jobs/runs?limit=abc', 'limit must be an integer between 1 and 200'],
    [
      '/jobs/runs?status=done',
      'status must be one of queued, running, succeeded, failed, cancelled, abandoned, skipped',
    ],
    ['/jobs/runs?cursor=not-a-cursor', 'cursor is not valid (use the next_cursor of the previous page)'],
    ['/jobs/runs?color=red', 'property color should not exist'],
    ['/jobs/runs?job=Top-Coins', 'job must be a job key in lower_snake_case, as GET /api/v1/jobs lists them'],
    ['/jobs/runs/not-a-uuid', 'id must be a UUID'],
  ])('GET %s → 400 saying why', async (path, message) => {
    const response = await api(path);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, message });
  });

  it('GET /jobs/runs/{id} answers 404 for an unknown run', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const response = await api(`/jobs/runs/${id}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: `run ${id} not found`,
    });
  });

  it('lets readers read but not trigger; without a token nothing answers', async () => {
    expect((await api('/jobs/runs', { token: readerToken })).status).toBe(200);
    expect((await post('/jobs/collect-prices', { limit: 1 }, { token: readerToken })).status).toBe(403);
    expect((await api('/jobs', { token: null })).status).toBe(401);
    expect((await post('/jobs/collect-prices', { limit: 1 }, { token: null })).status).toBe(401);
  });
});
