import { setTimeout as sleep } from 'node:timers/promises';
import {
  afterAll,
  beforeAll,
  describe,
  inject,
  it,
  type RunnerTestFile,
  type RunnerTestSuite,
  type TestContext,
} from 'vitest';
import { JOB_MODULES } from '../../src/app.module.js';
import { definitionsOf } from '../../src/jobs/framework/job-module.js';
import { CoinGeckoFake, faults, type CoinGeckoFakeOptions } from '../fakes/coingecko-fake.js';
import { createMigratedOrm, createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort, spawnService, waitForHttp, type ServiceProcess } from '../support/service-process.js';

/*
 * The shared CoinGecko limits and the shared job queue between REAL service processes (`src/main.ts`,
 * each with its own event loop, database pool and limiter) on one PostgreSQL database, against the fake
 * CoinGecko as a real HTTP server. Unlike the in-process replica tests, the limiter here runs on the
 * production window (CoinGecko's minute plus the 1 s margin): nothing is scaled down.
 *
 * Each scenario group has its own database, fake and processes, and the groups run side by side: the
 * ~61 s of the window test is the file's wall time, and no other group can touch its database or fake.
 * Inside a group the tests run one after the other. Runs are held by the fake (holdAnswers) or slowed by
 * its latency, never by sleeping in the test, and every state is polled for with a generous deadline.
 */

const TOKEN = 'replica-processes-admin-token-0123456789abcdef';

const ON_PGLITE = inject('testDatabase').mode === 'pglite';

/** No cron tick, no catch-up: only the runs a test triggers. */
const QUIET: Record<string, string> = {
  JOBS_CATCH_UP: 'false',
  // Every registered job, from its definition: a job added later cannot spend the calls these tests count.
  ...Object.fromEntries(definitionsOf(JOB_MODULES).map((job) => [`${job.envPrefix}_ENABLED`, 'false'])),
};

interface RunView {
  run_id: string;
  job_key: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'abandoned' | 'skipped';
  started_at: string;
  completed_at: string | null;
  attempts: number;
  owner: string;
  error?: string;
}

interface Replica {
  name: string;
  url: string;
  service: ServiceProcess;
}

/** Polls until `check` holds; fails with `what` once `timeoutMs` have passed. */
async function until(
  what: string | (() => string),
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    }
    await sleep(50);
  }
}

function alive(replica: Replica): boolean {
  return replica.service.child.exitCode === null && replica.service.child.signalCode === null;
}

/** One database, one fake CoinGecko and N service processes sharing both. */
class Cluster {
  readonly replicas: Replica[] = [];
  db!: TestDatabase;
  fake!: CoinGeckoFake;

  async start(
    name: string,
    envs: Record<string, string>[],
    fakeOptions: CoinGeckoFakeOptions,
    configureFake?: (fake: CoinGeckoFake) => void,
  ): Promise<void> {
    this.db = await createTestDatabase();
    if (ON_PGLITE) {
      // PGlite is one session, so the advisory lock that serialises the processes' migrations on a server
      // is the same lock for all of them there: migrate first (the embedded service is one process anyway).
      await (await createMigratedOrm(this.db.url, 1)).close();
    }
    this.fake = await CoinGeckoFake.start(fakeOptions);
    configureFake?.(this.fake);
    await Promise.all(
      envs.map(async (env, index) => {
        const port = await freePort();
        const replica: Replica = {
          name: `${name}-${String.fromCharCode(65 + index)}`,
          url: `http://127.0.0.1:${port}`,
          service: spawnService({
            PORT: String(port),
            HOST: '127.0.0.1',
            DATABASE_URL: this.db.url,
            // Ten processes of this file beside the rest of the suite must not exhaust max_connections.
            DB_POOL_MAX: '3',
            COINGECKO_BASE_URL: this.fake.url,
            API_TOKENS: TOKEN,
            TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
            SHUTDOWN_TIMEOUT_MS: '5000',
            CONTRACT_ADDRESSES_DECIMALS_PER_RUN: '0',
            ...QUIET,
            ...env,
          }),
        };
        this.replicas[index] = replica;
        try {
          await waitForHttp(`${replica.url}/health/ready`, 200, 120_000);
        } catch (error) {
          throw new Error(`${replica.name}: ${(error as Error).message}\n${replica.service.output()}`, {
            cause: error,
          });
        }
      }),
    );
  }

  /** SIGTERM every process still alive (SIGKILL after 15 s), then the fake and the database. */
  async stop(): Promise<void> {
    await Promise.all(
      this.replicas.filter(Boolean).map(async (replica) => {
        if (!alive(replica)) return;
        replica.service.child.kill('SIGTERM');
        const ended = await Promise.race([replica.service.exited.then(() => true), sleep(15_000, false)]);
        if (!ended && alive(replica)) {
          replica.service.child.kill('SIGKILL');
          await replica.service.exited;
        }
      }),
    );
    await this.fake?.stop();
    await this.db?.drop();
  }

  /** On failure, the end of each process's log: what the service said about it. */
  dumpOnFailure(context: TestContext): void {
    context.onTestFailed(() => {
      for (const replica of this.replicas.filter(Boolean)) {
        process.stderr.write(
          `\n----- ${replica.name} (last output) -----\n${replica.service.output().slice(-6000)}\n`,
        );
      }
    });
  }
}

const api = (replica: Replica, path: string, init: RequestInit = {}) =>
  fetch(`${replica.url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
  });

/** POST /jobs/<path>?wait=false: the run id of the accepted run. */
async function trigger(replica: Replica, path: string, body: unknown = {}): Promise<string> {
  const response = await api(replica, `/jobs/${path}?wait=false`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`${replica.name} ${path}: HTTP ${response.status} ${text}`);
  return (JSON.parse(text) as { run_id: string }).run_id;
}

/** POST /jobs/<path> and wait for the run: the status and the JobResult. */
async function runNow(
  replica: Replica,
  path: string,
  body: unknown = {},
): Promise<{ status: number; result: RunView }> {
  const response = await api(replica, `/jobs/${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, result: (await response.json()) as RunView };
}

async function getRun(replica: Replica, id: string): Promise<RunView> {
  const response = await api(replica, `/jobs/runs/${id}`);
  if (response.status !== 200) throw new Error(`GET run ${id}: HTTP ${response.status}`);
  return (await response.json()) as RunView;
}

async function runStatus(replica: Replica, id: string, wanted: RunView['status']): Promise<RunView> {
  let last: RunView | undefined;
  await until(
    () => `run ${id} to be ${wanted} (last: ${last?.status})`,
    async () => (last = await getRun(replica, id)).status === wanted,
  );
  return last as RunView;
}

/** Waits for the run to end (neither queued nor running) and returns it. */
async function ended(replica: Replica, id: string, timeoutMs = 60_000): Promise<RunView> {
  let last: RunView | undefined;
  await until(
    () => `run ${id} to end (last: ${last?.status})`,
    async () => {
      last = await getRun(replica, id);
      return last.status !== 'queued' && last.status !== 'running';
    },
    timeoutMs,
  );
  return last as RunView;
}

async function queuedIds(replica: Replica): Promise<string[]> {
  const response = await api(replica, '/jobs/runs?status=queued');
  const page = (await response.json()) as { items: RunView[] };
  return page.items.map((run) => run.run_id).sort();
}

interface Usage {
  calls: number;
  budget: number | null;
  remaining: number | null;
  by_job: Record<string, number>;
}

async function usage(replica: Replica): Promise<Usage> {
  const response = await api(replica, '/coingecko/usage');
  if (response.status !== 200) throw new Error(`GET /coingecko/usage: HTTP ${response.status}`);
  return (await response.json()) as Usage;
}

/** What the next month's first instant looks like in a budget error (`2027-01-01T00:00:00Z`). */
function nextMonthStart(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))
    .toISOString()
    .replace('.000Z', 'Z');
}

const WINDOW_GROUP = 'three processes, the fake enforcing N calls per sliding 60 s window';
let windowGroupUp: () => void = () => undefined;
const windowGroupStarted = new Promise<void>((resolve) => (windowGroupUp = resolve));

/**
 * The other groups start their processes once the window group's are up (at once when that group is
 * filtered out): ten processes starting together on a small machine would delay the longest test by
 * half a minute, while starting during its wait costs nothing.
 */
function afterWindowGroupStarted(
  suite: Readonly<RunnerTestSuite | RunnerTestFile>,
): Promise<void> | undefined {
  const windowGroup = suite.suite?.tasks.find((task) => task.name === WINDOW_GROUP);
  return windowGroup && windowGroup.mode !== 'skip' ? windowGroupStarted : undefined;
}

describe('CoinGecko limits, budget and the job queue across real service processes', () => {
  describe(WINDOW_GROUP, { concurrent: true }, () => {
    const N = 5;
    const cluster = new Cluster();

    beforeAll(async () => {
      // Every process gets the plan's full figure: the limit is shared, never divided by the replica count.
      const env = { COINGECKO_RATE_LIMIT_PER_MINUTE: String(N), CONTRACT_ADDRESSES_DECIMALS_PER_RUN: '1' };
      try {
        await cluster.start('window', [env, env, env], { coins: 1000 }, (fake) =>
          fake.setRateLimit(N, 60_000),
        );
      } finally {
        windowGroupUp();
      }
    }, 180_000);

    afterAll(() => cluster.stop(), 60_000);

    it(
      'jobs on three replicas needing 2N calls get no 429, all succeed, and the later calls wait out the window',
      { concurrent: false, timeout: 150_000 },
      async (context) => {
        const { expect } = context;
        cluster.dumpOnFailure(context);
        const { fake } = cluster;
        const [a, b, c] = cluster.replicas;

        // Top 10 coins (one markets page + /global): the prices and contracts jobs depend on it.
        const seed = await runNow(a, 'collect-top-coins', { limit: 10 });
        expect(seed.status).toBe(200);
        expect(fake.count()).toBe(2);

        // Together: top 1000 = 4 pages + /global = 5 calls on A, prices of the top 10 = 1 call on B, the
        // coin list + one decimals call = 2 calls on C. With the seed that is 2N calls, N of them only
        // after the first N have left CoinGecko's window.
        const runs = await Promise.all([
          trigger(a, 'collect-top-coins', { limit: 1000 }),
          trigger(b, 'collect-prices', { limit: 10 }),
          trigger(c, 'collect-contract-addresses', {}),
        ]);
        const results = await Promise.all(
          runs.map((id, index) => ended(cluster.replicas[index], id, 130_000)),
        );

        expect(results.map((run) => [run.job_key, run.status, run.error])).toEqual([
          ['top_coins_collection', 'succeeded', undefined],
          ['price_collection', 'succeeded', undefined],
          ['contract_addresses_collection', 'succeeded', undefined],
        ]);
        expect(new Set(results.map((run) => run.owner)).size).toBe(3);

        expect(fake.count()).toBe(2 * N);
        expect(fake.count('/coins/markets')).toBe(1 + 4 + 1);
        expect(fake.count('/global')).toBe(2);
        expect(fake.count('/coins/list')).toBe(1);
        expect(fake.count('/coins/{id}')).toBe(1);
        // Not one 429 from the upstream: every request was answered 200.
        expect(fake.requests.map((request) => request.status)).toEqual(Array(2 * N).fill(200));

        // At most N arrivals in any 60 s: the (i+N)-th arrival is at least a window after the i-th — so
        // the whole took longer than one window, and still finished.
        const arrivals = fake.requests.map((request) => request.at).sort((x, y) => x - y);
        for (let i = 0; i + N < arrivals.length; i++) {
          expect(arrivals[i + N] - arrivals[i]).toBeGreaterThanOrEqual(60_000);
        }
        expect(arrivals[arrivals.length - 1] - arrivals[0]).toBeGreaterThanOrEqual(60_000);

        // The month's count, cluster-wide, is exactly what the upstream saw.
        const month = await usage(b);
        expect(month.calls).toBe(fake.count());
        expect(month.by_job).toEqual({
          top_coins_collection: 7,
          price_collection: 1,
          contract_addresses_collection: 2,
        });
      },
    );
  });

  describe('a Retry-After seen by one process', { concurrent: true }, () => {
    const RETRY_AFTER_S = 5;
    const cluster = new Cluster();

    // eslint-disable-next-line no-empty-pattern -- vitest reads a hook's fixtures from its first argument
    beforeAll(async ({}, suite) => {
      await afterWindowGroupStarted(suite);
      const env = { COINGECKO_RATE_LIMIT_PER_MINUTE: '1000' };
      await cluster.start('retry-after', [env, env, env], { coins: 100 });
    }, 180_000);

    afterAll(() => cluster.stop(), 60_000);

    it(
      "holds every replica's requests until it has passed",
      { concurrent: false, timeout: 90_000 },
      async (context) => {
        const { expect } = context;
        cluster.dumpOnFailure(context);
        const { fake, db } = cluster;
        const [a, b, c] = cluster.replicas;
        expect((await runNow(a, 'collect-top-coins', { limit: 10 })).status).toBe(200);
        const seedCalls = fake.count();

        fake.failNext('/coins/markets', 1, faults.rateLimited(String(RETRY_AFTER_S)));
        const onA = await trigger(a, 'collect-top-coins', { limit: 10 });
        await until('the 429 answered to replica A', () =>
          fake.requests.some((request) => request.status === 429),
        );
        const refused = fake.requests.findIndex((request) => request.status === 429);
        const holdEnds = fake.requests[refused].at + RETRY_AFTER_S * 1000;
        // A wrote the hold to the shared row; only then do the others get work, so none of their requests
        // can have been admitted before it.
        let heldUntil = 0;
        await until('the Retry-After to be shared in the database', async () => {
          const [row] = await db.query<{ held_until: string | null }>(
            `select held_until from rate_limit_windows where key = 'coingecko'`,
          );
          heldUntil = Number(row?.held_until ?? 0);
          return heldUntil > 0;
        });
        expect(heldUntil).toBeGreaterThanOrEqual(holdEnds);

        const onB = await trigger(b, 'collect-prices', { limit: 10 });
        const onC = await trigger(c, 'collect-contract-addresses', {});
        // The scenario only means something if B and C had work while the hold lasted.
        expect(Date.now()).toBeLessThan(holdEnds);

        const results = [await ended(a, onA), await ended(b, onB), await ended(c, onC)];
        expect(results.map((run) => run.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);

        // After the 429: A's retry and /global, B's prices batch, C's coin list — none before the hold ended.
        const later = fake.requests.slice(refused + 1);
        expect(later.map((request) => request.endpoint).sort()).toEqual([
          '/coins/list',
          '/coins/markets',
          '/coins/markets',
          '/global',
        ]);
        expect(later.some((request) => request.query.ids !== undefined)).toBe(true);
        for (const request of later) {
          expect(request.status).toBe(200);
          expect(request.at).toBeGreaterThanOrEqual(holdEnds);
        }
        // Every request is counted, the refused one included.
        expect(fake.count()).toBe(seedCalls + 1 + 4);
        expect((await usage(c)).calls).toBe(fake.count());
      },
    );
  });

  describe('COINGECKO_MONTHLY_CALL_BUDGET=5 on two processes', { concurrent: true }, () => {
    const cluster = new Cluster();

    // eslint-disable-next-line no-empty-pattern -- vitest reads a hook's fixtures from its first argument
    beforeAll(async ({}, suite) => {
      await afterWindowGroupStarted(suite);
      const env = { COINGECKO_RATE_LIMIT_PER_MINUTE: '1000', COINGECKO_MONTHLY_CALL_BUDGET: '5' };
      await cluster.start('budget', [env, env], { coins: 300 });
    }, 180_000);

    afterAll(() => cluster.stop(), 60_000);

    it(
      'sends exactly 5 calls cluster-wide; the run that would make the 6th fails at once',
      { concurrent: false, timeout: 60_000 },
      async (context) => {
        const { expect } = context;
        cluster.dumpOnFailure(context);
        const { fake } = cluster;
        const [a, b] = cluster.replicas;

        // 2 + 1 + 1 calls, alternating replicas.
        expect((await runNow(a, 'collect-top-coins', { limit: 10 })).status).toBe(200);
        expect((await runNow(b, 'collect-prices', { limit: 10 })).status).toBe(200);
        expect((await runNow(a, 'collect-contract-addresses', {})).status).toBe(200);
        expect(fake.count()).toBe(4);

        // Top 300 is two markets pages and /global: page 1 is the 5th call, page 2 would be the 6th.
        const message = `CoinGecko monthly call budget of 5 calls is used up (resets at ${nextMonthStart()})`;
        const over = await runNow(b, 'collect-top-coins', { limit: 300 });
        expect(over.status).toBe(502);
        expect(over.result).toMatchObject({ status: 'failed', attempts: 1, error: message });
        expect(fake.count()).toBe(5);
        expect(fake.lastRequest()?.query).toMatchObject({ page: '1', per_page: '250' });

        // The other replica knows it too, before sending anything.
        const next = await runNow(a, 'collect-prices', { limit: 10 });
        expect(next.status).toBe(502);
        expect(next.result).toMatchObject({ status: 'failed', attempts: 1, error: message });
        expect(fake.count()).toBe(5);
        expect(await usage(a)).toMatchObject({ calls: 5, budget: 5, remaining: 0 });
        expect(fake.requests.every((request) => request.status === 200)).toBe(true);
      },
    );
  });

  describe('JOBS_MAX_CONCURRENT=1 on several processes', { concurrent: true }, () => {
    const cluster = new Cluster();

    // eslint-disable-next-line no-empty-pattern -- vitest reads a hook's fixtures from its first argument
    beforeAll(async ({}, suite) => {
      await afterWindowGroupStarted(suite);
      const env = { COINGECKO_RATE_LIMIT_PER_MINUTE: '1000', JOBS_MAX_CONCURRENT: '1' };
      // C gives a queued run one second (the smallest JOB_QUEUE_TIMEOUT_MS) before it fails.
      await cluster.start('queue', [env, env, { ...env, JOB_QUEUE_TIMEOUT_MS: '1000' }], { coins: 100 });
      // The dependency of prices and contracts has succeeded once: no run starts it inside its own slot.
      const seed = await runNow(cluster.replicas[0], 'collect-top-coins', { limit: 10 });
      if (seed.status !== 200)
        throw new Error(`seed run: HTTP ${seed.status} ${JSON.stringify(seed.result)}`);
    }, 180_000);

    afterAll(() => cluster.stop(), 60_000);

    it(
      'runs three jobs triggered on two replicas one at a time, first in first out, showing the waiting ones queued',
      { concurrent: false, timeout: 90_000 },
      async (context) => {
        const { expect } = context;
        cluster.dumpOnFailure(context);
        const { fake, db } = cluster;
        const [a, b] = cluster.replicas;
        const release = fake.holdAnswers();
        try {
          const before = fake.count();
          const first = await trigger(a, 'collect-top-coins', { limit: 10 });
          await until('the first run to reach CoinGecko', () => fake.count() === before + 1);
          const second = await trigger(b, 'collect-prices', { limit: 10 });
          const third = await trigger(a, 'collect-contract-addresses', {});

          const waiting = [second, third].sort();
          await until('both later runs listed as queued', async () => {
            const [onA, onB] = await Promise.all([queuedIds(a), queuedIds(b)]);
            return (
              JSON.stringify(onA) === JSON.stringify(waiting) &&
              JSON.stringify(onB) === JSON.stringify(waiting)
            );
          });
          expect((await getRun(b, first)).status).toBe('running');
          expect((await getRun(a, second)).status).toBe('queued');
          expect(fake.count()).toBe(before + 1);

          // Each run now takes a while (every answer 300 ms late), so an overlap would show.
          fake.latencyMs = 300;
          release();
          const runs = [await ended(a, first), await ended(b, second), await ended(a, third)];
          expect(runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);

          // First in, first out by queued_at — the order they were triggered in, whichever replica holds
          // them (A's own run ending wakes A's queued run first; the database still lets B's go first).
          const rows = await db.query<{ id: string }>(
            `select id from job_runs where id = any($1::uuid[]) order by queued_at, id`,
            [[first, second, third]],
          );
          expect(rows.map((row) => row.id)).toEqual([first, second, third]);
          const byStart = [...runs].sort((x, y) => Date.parse(x.started_at) - Date.parse(y.started_at));
          expect(byStart.map((run) => run.run_id)).toEqual([first, second, third]);
          // Never two at once: each starts after the one before has completed.
          for (let i = 0; i + 1 < byStart.length; i++) {
            expect(Date.parse(byStart[i + 1].started_at)).toBeGreaterThanOrEqual(
              Date.parse(byStart[i].completed_at ?? ''),
            );
          }
        } finally {
          release();
          fake.latencyMs = 0;
        }
      },
    );

    it(
      'fails a run that waited JOB_QUEUE_TIMEOUT_MS for a slot without running it',
      { concurrent: false, timeout: 60_000 },
      async (context) => {
        const { expect } = context;
        cluster.dumpOnFailure(context);
        const { fake } = cluster;
        const [a, , c] = cluster.replicas;
        const release = fake.holdAnswers();
        try {
          const before = fake.count();
          const holder = await trigger(a, 'collect-top-coins', { limit: 10 });
          await until('the holding run to reach CoinGecko', () => fake.count() === before + 1);

          const waiter = await trigger(c, 'collect-prices', { limit: 10 });
          const timedOut = await ended(c, waiter);
          expect(timedOut).toMatchObject({ status: 'failed', attempts: 0 });
          const waited = /^waited (\d+) ms for a concurrency slot$/.exec(timedOut.error ?? '');
          expect(waited, timedOut.error).not.toBeNull();
          expect(Number(waited?.[1])).toBeGreaterThanOrEqual(1000);
          expect(fake.count()).toBe(before + 1);
          expect((await getRun(c, holder)).status).toBe('running');

          release();
          expect((await ended(a, holder)).status).toBe('succeeded');
        } finally {
          release();
        }
      },
    );

    it(
      'SIGTERM to a replica abandons its queued run at once and exits 0; the run on another replica goes on',
      { concurrent: false, timeout: 60_000 },
      async (context) => {
        const { expect } = context;
        cluster.dumpOnFailure(context);
        const { fake } = cluster;
        const [a, b] = cluster.replicas;
        const release = fake.holdAnswers();
        try {
          const before = fake.count();
          const onA = await trigger(a, 'collect-top-coins', { limit: 10 });
          await until('the run on A to reach CoinGecko', () => fake.count() === before + 1);
          const onB = await trigger(b, 'collect-prices', { limit: 10 });
          await runStatus(a, onB, 'queued');

          b.service.child.kill('SIGTERM');
          const exit = await Promise.race([b.service.exited, sleep(30_000, 'still running after 30 s')]);
          expect(exit).toBe(0);

          const abandoned = await getRun(a, onB);
          expect(abandoned).toMatchObject({
            status: 'abandoned',
            error: 'interrupted by shutdown',
            attempts: 0,
          });
          expect(abandoned.completed_at).not.toBeNull();
          // B left while A's run was still mid-request: it neither waited for it nor touched it.
          expect((await getRun(a, onA)).status).toBe('running');
          expect(fake.count()).toBe(before + 1);

          release();
          expect((await ended(a, onA)).status).toBe('succeeded');
          expect(fake.count()).toBe(before + 2);
        } finally {
          release();
        }
      },
    );
  });
});
