import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { JOB_MODULES } from '../../src/app.module.js';
import { definitionsOf } from '../../src/jobs/framework/job-module.js';
import { CoinGeckoFake, type FakeRequest } from '../fakes/coingecko-fake.js';
import { createMigratedOrm, createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  PROCESS_TEST_MS,
  freePort,
  spawnService,
  waitForHttp,
  type ServiceProcess,
} from '../support/service-process.js';
import { DUPLICATE_QUERIES } from './harness.js';

/*
 * The backfill killed with SIGKILL mid-run in a real service process (`src/main.ts`), then run again by a
 * second process on the same database: each range is asked once, except at most the one in flight at the kill,
 * and the stored points are exactly the ones CoinGecko's answers hold. The fake answers each request after a
 * delay, so the kill lands while the run is mid-way; the test waits on the fake's request log, never on time.
 */
const TOKEN = 'backfill-sigkill-admin-token-0123456789abcdef';
const CHART = '/coins/{id}/market_chart/range';
const PRICED = 10;

const ON_PGLITE = inject('testDatabase').mode === 'pglite';
const QUIET: Record<string, string> = {
  JOBS_CATCH_UP: 'false',
  ...Object.fromEntries(definitionsOf(JOB_MODULES).map((job) => [`${job.envPrefix}_ENABLED`, 'false'])),
};

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

describe('the history backfill killed with SIGKILL mid-run', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    // PGlite is one session: the processes' migration lock would be one lock for both, so migrate first.
    if (ON_PGLITE) await (await createMigratedOrm(db.url, 1)).close();
    fake = await CoinGeckoFake.start({ coins: 20 });
  });

  afterAll(async () => {
    for (const service of services) {
      if (service.child.exitCode === null && service.child.signalCode === null) {
        service.child.kill('SIGKILL');
        await service.exited;
      }
    }
    await fake?.stop();
    await db?.drop();
  });

  async function start(): Promise<string> {
    const port = await freePort();
    const service = spawnService({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      DB_POOL_MAX: '3',
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      API_TOKENS: TOKEN,
      TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
      // The killed run is declared abandoned 5 s after its last heartbeat, not sooner: on PGlite under load
      // a live run's heartbeat can lag a second or more.
      JOB_HEARTBEAT_MS: '1000',
      JOB_STALE_AFTER_MS: '5000',
      PRICE_COLLECTION_LIMIT: String(PRICED),
      PRICE_HISTORY_BACKFILL_HOURLY_DAYS: '7',
      ...QUIET,
    });
    services.push(service);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${url}/health/ready`, 200, 120_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${service.output().slice(-6000)}`, { cause: error });
    }
    return url;
  }

  const post = (url: string, path: string, body: unknown) =>
    fetch(`${url}/api/v1/jobs/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const chartCalls = (requests: readonly FakeRequest[]) => requests.filter((r) => r.endpoint === CHART);
  // One range of one asset: the hourly and the daily call differ in their start.
  const rangeOf = (call: FakeRequest) =>
    `${call.path} ${Number(call.query.to) - Number(call.query.from) > 30 * 86_400 ? 'daily' : 'hourly'}`;

  it(
    'the next run finishes with no range fetched twice but the one in flight, no duplicate row, the expected points',
    async () => {
      onTestFailed(() => {
        for (const service of services) process.stderr.write(`\n-----\n${service.output().slice(-6000)}\n`);
      });
      const first = await start();
      expect((await post(first, 'collect-top-coins', { limit: 20 })).status).toBe(200);

      fake.clearRequests();
      fake.latencyMs = 150;
      const accepted = await post(first, 'backfill-price-history?wait=false', { limit: 100 });
      expect(accepted.status).toBe(202);
      const { run_id: killedRun } = (await accepted.json()) as { run_id: string };
      // Mid-way: the 4th asset's first range has reached CoinGecko and is not answered yet.
      await until('the 7th range request', () => chartCalls(fake.requests).length >= 7);
      services[0].child.kill('SIGKILL');
      expect(await services[0].exited).toBe('SIGKILL');
      const before = chartCalls(fake.requests).map((call) => ({ ...call }));
      expect(before.length).toBeLessThan(2 * PRICED);

      fake.reset();
      const second = await start();
      await until('the killed run to be declared abandoned', async () => {
        const [run] = await db.query<{ status: string }>(`select status from job_runs where id = $1`, [
          killedRun,
        ]);
        return run?.status === 'abandoned';
      });
      const rerun = await post(second, 'backfill-price-history', { limit: 100 });
      const result = (await rerun.json()) as {
        success: boolean;
        metrics: { custom: Record<string, number> };
      };
      expect(rerun.status).toBe(200);
      const after = chartCalls(fake.requests);
      expect(result).toMatchObject({ success: true });
      expect(result.metrics.custom).toMatchObject({ assets_pending: 0, calls: after.length });

      // Every range once, except at most the one in flight at the kill.
      const firstRanges = before.map(rangeOf);
      const repeated = after.map(rangeOf).filter((range) => firstRanges.includes(range));
      expect(repeated.length).toBeLessThanOrEqual(1);
      expect(new Set([...firstRanges, ...after.map(rangeOf)]).size).toBe(2 * PRICED);
      expect(await db.query(DUPLICATE_QUERIES.asset_prices)).toEqual([]);

      // The stored points hold every point of the answer each range's coverage was recorded from (its last
      // request), and none but the answers' own: the killed range's points may have been stored before its
      // coverage was, and the rerun (a later `now`) answers it at other timestamps, so both may be there.
      const answered = new Map<string, Set<number>>();
      const final = new Map<string, Set<number>>();
      const lastOfRange = new Map<string, FakeRequest>();
      const answers = [...before.filter((call) => call.status === 200), ...after];
      for (const call of answers) lastOfRange.set(rangeOf(call), call);
      const last = new Set(lastOfRange.values());
      for (const call of answers) {
        const answer = (await (await fetch(`${fake.url.replace(/\/api\/v3$/, '')}${call.url}`)).json()) as {
          prices: [number, number | null][];
        };
        const [from, to] = [Number(call.query.from) * 1000, Number(call.query.to) * 1000];
        const points = answer.prices.filter(([at, price]) => at >= from && at <= to && price !== null);
        const coin = call.path.split('/')[2];
        for (const into of last.has(call) ? [answered, final] : [answered]) {
          const set = into.get(coin) ?? new Set<number>();
          for (const [at] of points) set.add(at);
          into.set(coin, set);
        }
      }
      const rows = await db.query<{ coingecko_id: string; at: string }>(
        `select a.coingecko_id, (extract(epoch from p.timestamp) * 1000)::bigint::text as at
           from asset_prices p join assets a on a.id = p.asset_id where p.backfilled`,
      );
      const stored = new Map<string, Set<number>>();
      for (const row of rows)
        stored.set(row.coingecko_id, (stored.get(row.coingecko_id) ?? new Set()).add(Number(row.at)));
      expect([...stored.keys()].sort()).toEqual([...final.keys()].sort());
      expect(final.size).toBe(PRICED);
      for (const [coin, points] of final) {
        const have = stored.get(coin) ?? new Set<number>();
        expect(
          [...points].filter((at) => !have.has(at)),
          `${coin}: points of its last answers missing`,
        ).toEqual([]);
        const known = answered.get(coin) ?? new Set<number>();
        expect(
          [...have].filter((at) => !known.has(at)),
          `${coin}: points no answer holds`,
        ).toEqual([]);
      }
    },
    // Two cold process starts on a loaded 2-core machine: twice one process test's budget.
    2 * PROCESS_TEST_MS,
  );
});
