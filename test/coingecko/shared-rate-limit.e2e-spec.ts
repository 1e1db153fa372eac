import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemorySlotStore } from '../../src/coingecko/limiter/memory-slot-store.js';
import { RateLimitRepository, type SlotRequest } from '../../src/coingecko/limiter/rate-limit.repository.js';
import { createMigratedOrm, createTestDatabase, type TestDatabase } from '../support/database.js';

/*
 * The statements of the shared limits on real PostgreSQL (or PGlite), with injected time: every
 * decision is checked against the in-memory reference, and "replicas" are separate connection pools
 * deciding at the same instant, which only the row lock can keep apart.
 */

const T0 = Date.UTC(2026, 11, 31, 23, 0, 0);

describe('RateLimitRepository (shared limits in the database)', () => {
  let db: TestDatabase;
  const orms: MikroORM[] = [];
  let replicas: RateLimitRepository[];

  beforeAll(async () => {
    db = await createTestDatabase();
    for (let i = 0; i < 3; i++) orms.push(await createMigratedOrm(db.url, 4));
    replicas = orms.map((orm) => new RateLimitRepository(orm));
  });

  afterAll(async () => {
    await Promise.all(orms.map((orm) => orm.close()));
    await db?.drop();
  });

  beforeEach(async () => {
    await db.query('delete from rate_limit_windows');
    await db.query('delete from coingecko_calls');
  });

  const slot = (now: number, extra: Partial<SlotRequest> = {}): SlotRequest => ({
    key: 'coingecko',
    limit: 3,
    windowMs: 1000,
    budget: null,
    job: 'top_coins_collection',
    endpoint: '/coins/markets',
    now,
    ...extra,
  });

  it('reserves exactly the start times of the in-memory sliding-window log', async () => {
    const reference = new MemorySlotStore();
    let now = T0;
    let seed = 11;
    for (let i = 0; i < 60; i++) {
      seed = (seed * 48_271) % 2_147_483_647;
      now += seed % 700;
      const [sqlAnswer, expected] = [
        await replicas[i % 3].reserveSlot(slot(now)),
        await reference.reserveSlot(slot(now)),
      ];
      expect(sqlAnswer).toEqual(expected);
    }
  });

  it('serialises replicas deciding at the same instant: N per window, nothing lost', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => replicas[i % 3].reserveSlot(slot(T0, { limit: 4 }))),
    );
    const waits = answers.map((answer) => (answer.admitted ? answer.waitMs : -1)).sort((a, b) => a - b);
    expect(waits).toEqual([0, 0, 0, 0, 1000, 1000, 1000, 1000, 2000, 2000, 2000, 2000]);
    const [row] = await db.query<{ calls: string }>('select sum(calls) as calls from coingecko_calls');
    expect(Number(row.calls)).toBe(12);
  });

  it('admits exactly the budget across replicas, and a new UTC month starts from zero', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => replicas[i % 3].reserveSlot(slot(T0, { budget: 5, limit: 100 }))),
    );
    expect(answers.filter((answer) => answer.admitted)).toHaveLength(5);
    expect(answers.find((answer) => !answer.admitted)).toEqual({
      admitted: false,
      monthCalls: 5,
      month: '2026-12',
    });
    const [row] = await db.query<{ calls: string }>(
      "select sum(calls) as calls from coingecko_calls where month = '2026-12-01'",
    );
    expect(Number(row.calls)).toBe(5);

    const january = await replicas[0].reserveSlot(slot(Date.UTC(2027, 0, 1), { budget: 5, limit: 100 }));
    expect(january).toMatchObject({ admitted: true, monthCalls: 1 });
  });

  it('counts by job and endpoint, and takes back an unsent call', async () => {
    await replicas[0].reserveSlot(slot(T0, { job: 'price_collection', endpoint: '/simple/price' }));
    await replicas[1].reserveSlot(slot(T0, { job: 'price_collection', endpoint: '/simple/price' }));
    await replicas[2].reserveSlot(slot(T0));
    await replicas[0].uncount({
      key: 'coingecko',
      job: 'price_collection',
      endpoint: '/simple/price',
      now: T0,
    });
    const rows = await db.query<{ job_key: string; endpoint: string; calls: string }>(
      'select job_key, endpoint, calls from coingecko_calls order by job_key',
    );
    expect(rows.map((row) => [row.job_key, row.endpoint, Number(row.calls)])).toEqual([
      ['price_collection', '/simple/price', 1],
      ['top_coins_collection', '/coins/markets', 1],
    ]);
    const [window] = await db.query<{ month_calls: string }>('select month_calls from rate_limit_windows');
    expect(Number(window.month_calls)).toBe(2);
  });

  it('counts the calls of each run (deleted with its run); an unknown run id never fails a reservation', async () => {
    const [run] = await db.query<{ id: string }>(
      `insert into job_runs (job_key, job_name, trigger, status, started_at, heartbeat_at, owner)
       values ('top_coins_collection', 'top_coins_collection', 'manual', 'running', now(), now(), 'test') returning id`,
    );
    await replicas[0].reserveSlot(slot(T0, { runId: run.id }));
    await replicas[1].reserveSlot(slot(T0, { runId: run.id }));
    await replicas[2].uncount({
      key: 'coingecko',
      job: 'top_coins_collection',
      endpoint: '/coins/markets',
      runId: run.id,
      now: T0,
    });
    await replicas[2].reserveSlot(slot(T0, { runId: '00000000-0000-4000-8000-000000000000' }));
    expect(await db.query('select run_id, calls::int as calls from coingecko_run_calls')).toEqual([
      { run_id: run.id, calls: 1 },
    ]);
    await db.query('delete from job_runs');
    expect(await db.query('select * from coingecko_run_calls')).toEqual([]);
  });

  it("holds every replica's next reservation after a Retry-After written by one of them", async () => {
    await replicas[0].hold('coingecko', 30_000, T0);
    const answer = await replicas[1].reserveSlot(slot(T0 + 5000));
    expect(answer).toMatchObject({ admitted: true, waitMs: 25_000 });
    // A shorter Retry-After never shortens the hold.
    await replicas[2].hold('coingecko', 1000, T0 + 6000);
    expect(await replicas[2].reserveSlot(slot(T0 + 6000, { limit: 100 }))).toMatchObject({ waitMs: 24_000 });
  });

  describe('tryAcquire (the trigger throttle)', () => {
    const throttle = (now: number) => ({ key: 'trigger:token-a', limit: 2, windowMs: 60_000, now });

    it('admits N per sliding window across replicas and says when the next one fits', async () => {
      const answers = await Promise.all(replicas.map((replica) => replica.tryAcquire(throttle(T0))));
      expect(answers.filter((answer) => answer.admitted)).toHaveLength(2);
      expect(answers.find((answer) => !answer.admitted)).toEqual({ admitted: false, retryAfterMs: 60_000 });
      expect(await replicas[0].tryAcquire(throttle(T0 + 59_999))).toMatchObject({
        admitted: false,
        retryAfterMs: 1,
      });
      expect(await replicas[0].tryAcquire(throttle(T0 + 60_000))).toMatchObject({ admitted: true });
    });

    it('gives an admission back, and other tokens have their own window', async () => {
      const first = await replicas[0].tryAcquire(throttle(T0));
      await replicas[1].tryAcquire(throttle(T0 + 10));
      expect(await replicas[2].tryAcquire(throttle(T0 + 20))).toMatchObject({ admitted: false });
      if (!first.admitted) throw new Error('first trigger refused');
      await replicas[2].release('trigger:token-a', first.stamp);
      expect(await replicas[2].tryAcquire(throttle(T0 + 30))).toMatchObject({ admitted: true });
      expect(await replicas[0].tryAcquire({ ...throttle(T0 + 40), key: 'trigger:token-b' })).toMatchObject({
        admitted: true,
      });
    });
  });
});
