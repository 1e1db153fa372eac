import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoinGeckoFake } from '../fakes/coingecko-fake.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  PROCESS_TEST_MS,
  freePort,
  spawnService,
  waitForHttp,
  type ServiceProcess,
} from '../support/service-process.js';

const TOKEN = 'shutdown-test-token-0123456789abcdef';
const CG_KEY = 'CG-shutdown-test-key-9f8e7d6c';

describe('graceful shutdown of the service process', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 100 });
  });

  afterAll(async () => {
    await fake?.stop();
    await db?.drop();
  });

  async function start(env: Record<string, string>): Promise<{ service: ServiceProcess; url: string }> {
    const port = await freePort();
    const service = spawnService({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '10000',
      API_TOKENS: TOKEN,
      JOBS_CATCH_UP: 'false',
      TOP_COINS_COLLECTION_ENABLED: 'false',
      PRICE_COLLECTION_ENABLED: 'false',
      CONTRACT_ADDRESSES_COLLECTION_ENABLED: 'false',
      ...env,
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${url}/health/ready`);
    } catch (error) {
      service.child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n${service.output()}`, { cause: error });
    }
    return { service, url };
  }

  /** Polls until `check` holds: the test follows the process's state instead of guessing its timing. */
  async function until(check: () => Promise<boolean> | boolean): Promise<void> {
    while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  const trigger = (url: string, path: string, body: unknown) =>
    fetch(`${url}/api/v1/jobs/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it(
    'on SIGTERM: refuses new triggers with 503, lets the running job finish, then exits 0',
    async () => {
      const { service, url } = await start({ COINGECKO_API_KEY: CG_KEY });
      fake.requireKey(CG_KEY);
      fake.clearRequests();
      // The job stays mid-request until released: no latency to outrun on a loaded machine.
      const release = fake.holdAnswers();
      const accepted = await trigger(url, 'collect-top-coins?wait=false', { limit: 10 });
      expect(accepted.status).toBe(202);
      const { run_id: runId } = (await accepted.json()) as { run_id: string };
      await until(() => fake.count('/coins/markets') === 1);

      service.child.kill('SIGTERM');
      await until(async () => (await fetch(`${url}/health/ready`)).status === 503);
      const refused = await trigger(url, 'collect-prices', { limit: 1 });
      expect(refused.status).toBe(503);
      expect(await refused.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'the service is shutting down and accepts no new job runs',
      });

      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ message: 'shutting down' });

      release();
      expect(await service.exited).toBe(0);
      const [run] = await db.query(`select status, error from job_runs where id = $1`, [runId]);
      expect(run).toEqual({ status: 'succeeded', error: null });
      expect(service.output()).toContain('Waiting up to 30000 ms for 1 running job(s) to finish');
      // The requests in flight were not cut by the shutdown (which would have forced retries).
      expect(fake.count('/coins/markets')).toBe(1);
      expect(service.output()).not.toMatch(/retry \d+\/\d+/);
      // Secrets never reach the logs: not the API token callers sent, not the CoinGecko key.
      expect(service.output()).not.toContain(TOKEN);
      expect(service.output()).not.toContain(CG_KEY);
      fake.requireKey(undefined);
    },
    PROCESS_TEST_MS,
  );

  it(
    'aborts jobs still running after SHUTDOWN_TIMEOUT_MS and records them abandoned, then exits 0',
    async () => {
      const { service, url } = await start({ SHUTDOWN_TIMEOUT_MS: '300' });
      fake.clearRequests();
      // Held until the process has exited: the run is still mid-request when the shutdown timeout aborts it.
      const release = fake.holdAnswers();
      const accepted = await trigger(url, 'collect-top-coins?wait=false', { limit: 10 });
      const { run_id: runId } = (await accepted.json()) as { run_id: string };
      await until(() => fake.count('/coins/markets') === 1);
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
      release();
      const [run] = await db.query(
        `select status, error, completed_at is not null as ended from job_runs where id = $1`,
        [runId],
      );
      expect(run).toEqual({ status: 'abandoned', error: 'interrupted by shutdown', ended: true });
    },
    PROCESS_TEST_MS,
  );
});
