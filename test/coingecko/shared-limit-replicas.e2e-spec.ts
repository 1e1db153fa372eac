import type { MikroORM } from '@mikro-orm/postgresql';
import { Test } from '@nestjs/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CoinGeckoClient } from '../../src/coingecko/coingecko.client.js';
import { CoinGeckoBudgetError } from '../../src/coingecko/coingecko.errors.js';
import { CoinGeckoModule, RATE_LIMIT_MARGIN_MS } from '../../src/coingecko/coingecko.module.js';
import { CoinGeckoRateLimiter } from '../../src/coingecko/coingecko.rate-limiter.js';
import { RateLimitRepository } from '../../src/coingecko/limiter/rate-limit.repository.js';
import { AppConfigModule } from '../../src/config/config.module.js';
import { CoinGeckoFake, faults } from '../fakes/coingecko-fake.js';
import { createMigratedOrm, createTestDatabase, type TestDatabase } from '../support/database.js';
import { FAST_ENV } from './coingecko-client.harness.js';

/*
 * Several "replicas" — each its own Nest module, CoinGecko client and database pool — against one
 * database and one fake CoinGecko that enforces N requests in a sliding window. The window is scaled
 * down (3 s for CoinGecko's minute) so a test takes seconds; the safety margin is the production one,
 * so latency has a whole second of slack and a loaded machine cannot turn the test red.
 */

const WINDOW_MS = 3000;

interface Replica {
  client: CoinGeckoClient;
  close(): Promise<void>;
}

describe('shared CoinGecko limit across replicas', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;
  const orms: MikroORM[] = [];
  const open: Replica[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 50 });
    for (let i = 0; i < 3; i++) orms.push(await createMigratedOrm(db.url, 2));
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((replica) => replica.close()));
    fake.reset();
    await db.query('delete from rate_limit_windows');
    await db.query('delete from coingecko_calls');
  });

  afterAll(async () => {
    await Promise.all(orms.map((orm) => orm.close()));
    await fake?.stop();
    await db?.drop();
  });

  async function replica(index: number, options: { limit: number; budget?: number }): Promise<Replica> {
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule.forRoot({ ...FAST_ENV, COINGECKO_BASE_URL: fake.url }), CoinGeckoModule],
    })
      .overrideProvider(RateLimitRepository)
      .useValue(new RateLimitRepository(orms[index]))
      .overrideProvider(CoinGeckoRateLimiter)
      .useFactory({
        inject: [RateLimitRepository],
        factory: (store: RateLimitRepository) =>
          new CoinGeckoRateLimiter({
            store,
            limit: options.limit,
            windowMs: WINDOW_MS,
            marginMs: RATE_LIMIT_MARGIN_MS,
            monthlyBudget: options.budget ?? null,
          }),
      })
      .compile();
    await moduleRef.init();
    const created = { client: moduleRef.get(CoinGeckoClient), close: () => moduleRef.close() };
    open.push(created);
    return created;
  }

  const rateLimited = (replicas: Replica[]) =>
    replicas.reduce((sum, { client }) => sum + client.stats()['/ping'].rateLimited, 0);

  const countedCalls = async () =>
    Number(
      (await db.query<{ calls: string }>('select coalesce(sum(calls), 0) as calls from coingecko_calls'))[0]
        .calls,
    );

  it('three replicas needing about 2N calls get no 429 and all succeed', async () => {
    fake.setRateLimit(4, WINDOW_MS);
    const replicas = await Promise.all([0, 1, 2].map((i) => replica(i, { limit: 4 })));
    const calls = replicas.flatMap(({ client }) => [client.ping(), client.ping(), client.ping()]);
    await Promise.all(calls);
    expect(fake.count('/ping')).toBe(9);
    expect(rateLimited(replicas)).toBe(0);
    // Served at the limit: the 9th start is two windows (plus margins) after the first, not more than three.
    const arrivals = fake.requests.map((request) => request.at).sort((a, b) => a - b);
    expect(arrivals[8] - arrivals[0]).toBeGreaterThanOrEqual(2 * WINDOW_MS);
    expect(await countedCalls()).toBe(9);
  });

  it('a single process at the window edge gets no 429 when the first requests arrived late', async () => {
    fake.setRateLimit(3, WINDOW_MS);
    const [one] = [await replica(0, { limit: 3 })];
    // The first three take 300 ms to reach the upstream's window, the fourth none.
    fake.latencyMs = 300;
    const calls = [one.client.ping(), one.client.ping(), one.client.ping(), one.client.ping()];
    await expect.poll(() => fake.count('/ping'), { timeout: 5000 }).toBe(3);
    fake.latencyMs = 0;
    await Promise.all(calls);
    expect(fake.count('/ping')).toBe(4);
    expect(rateLimited([one])).toBe(0);
  });

  it("a Retry-After received by one replica holds the others' next requests", async () => {
    const [a, b] = await Promise.all([replica(0, { limit: 100 }), replica(1, { limit: 100 })]);
    fake.failNext('/ping', 1, faults.rateLimited('2'));
    const first = a.client.ping();
    await expect
      .poll(
        async () => (await db.query('select 1 from rate_limit_windows where held_until is not null')).length,
        {
          timeout: 5000,
        },
      )
      .toBe(1);
    const refusedAt = fake.requests[0].at;
    await b.client.ping();
    await first;
    const fromB = fake.requests[fake.requests.length - 1];
    expect(fake.count('/ping')).toBe(3);
    // Retry-After: 2 (whole seconds, so up to one second less than 2000 ms may remain after rounding).
    expect(
      Math.min(...fake.requests.slice(1).map((request) => request.at)) - refusedAt,
    ).toBeGreaterThanOrEqual(1000);
    expect(fromB.at - refusedAt).toBeGreaterThanOrEqual(1000);
  });

  it('counts every request of the month, retries included, exactly as the upstream saw them', async () => {
    const replicas = await Promise.all([replica(0, { limit: 1000 }), replica(1, { limit: 1000 })]);
    fake.failNext('/ping', 3, faults.serverError(503));
    await Promise.all(replicas.flatMap(({ client }) => [client.ping(), client.ping()]));
    expect(fake.count('/ping')).toBe(7);
    expect(await countedCalls()).toBe(7);
    const [byEndpoint] = await db.query<{ endpoint: string; job_key: string }>(
      'select endpoint, job_key from coingecko_calls',
    );
    expect(byEndpoint).toEqual({ endpoint: '/ping', job_key: 'unattributed' });
  });

  it('a budget of 5 sends 5 calls cluster-wide; the 6th fails at once and never reaches the upstream', async () => {
    const [a, b] = await Promise.all([
      replica(0, { limit: 1000, budget: 5 }),
      replica(1, { limit: 1000, budget: 5 }),
    ]);
    for (let i = 0; i < 5; i++) await (i % 2 ? b : a).client.ping();
    const sixth = await b.client.ping().catch((error: unknown) => error);
    expect(sixth).toBeInstanceOf(CoinGeckoBudgetError);
    const month = new Date();
    const reset = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1)).toISOString();
    expect((sixth as Error).message).toBe(
      `CoinGecko monthly call budget of 5 calls is used up (resets at ${reset.replace('.000Z', 'Z')})`,
    );
    await expect(a.client.ping()).rejects.toBeInstanceOf(CoinGeckoBudgetError);
    expect(fake.count('/ping')).toBe(5);
    expect(await countedCalls()).toBe(5);
  });
});
