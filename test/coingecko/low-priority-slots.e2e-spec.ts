import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CoinGeckoRateLimiter } from '../../src/coingecko/coingecko.rate-limiter.js';
import { CoinGeckoYieldError, withLowPriority } from '../../src/coingecko/limiter/call-priority.js';
import { MemorySlotStore } from '../../src/coingecko/limiter/memory-slot-store.js';
import { RateLimitRepository, type SlotRequest } from '../../src/coingecko/limiter/rate-limit.repository.js';
import { createMigratedOrm, createTestDatabase, type TestDatabase } from '../support/database.js';

/*
 * A low-priority reservation's terms (a latest start, jobs to yield to) are decided in the statement that
 * takes the limit's row lock, on real PostgreSQL (or PGlite) with injected time: a refusal reserves and
 * counts nothing, and a run of a job it yields to blocks it from any replica.
 */
const T0 = Date.UTC(2026, 5, 2, 12, 0, 0);

describe('low-priority CoinGecko slots in the shared limiter', () => {
  let db: TestDatabase;
  const orms: MikroORM[] = [];
  let replicas: RateLimitRepository[];

  beforeAll(async () => {
    db = await createTestDatabase();
    for (let i = 0; i < 2; i++) orms.push(await createMigratedOrm(db.url, 2));
    replicas = orms.map((orm) => new RateLimitRepository(orm));
  });

  afterAll(async () => {
    await Promise.all(orms.map((orm) => orm.close()));
    await db?.drop();
  });

  beforeEach(async () => {
    await db.query('delete from rate_limit_windows');
    await db.query('delete from coingecko_calls');
    await db.query('delete from job_runs');
  });

  const slot = (now: number, extra: Partial<SlotRequest> = {}): SlotRequest => ({
    key: 'coingecko',
    limit: 2,
    windowMs: 1000,
    budget: null,
    job: 'price_history_backfill',
    endpoint: '/coins/{id}/market_chart/range',
    now,
    ...extra,
  });

  const calls = async () =>
    Number((await db.query<{ n: string }>('select coalesce(sum(calls), 0) as n from coingecko_calls'))[0].n);

  it('refuses a slot starting after notAfter, as the in-memory log does, and counts nothing', async () => {
    const reference = new MemorySlotStore();
    const requests = [
      slot(T0),
      slot(T0),
      slot(T0, { notAfter: T0 + 999 }),
      slot(T0, { notAfter: T0 + 1000 }),
    ];
    for (const request of requests) {
      expect(await replicas[0].reserveSlot(request)).toEqual(await reference.reserveSlot(request));
    }
    // Another replica sees the same log: the second start at T0 + 1000 fits, a third there does not.
    expect(await replicas[1].reserveSlot(slot(T0, { notAfter: T0 + 1000 }))).toMatchObject({ waitMs: 1000 });
    expect(await replicas[1].reserveSlot(slot(T0, { notAfter: T0 + 1999 }))).toEqual({
      admitted: false,
      yielded: true,
    });
    expect(await calls()).toBe(4);
  });

  it('refuses while a run of a job it yields to is queued or running, whichever replica started it', async () => {
    const terms = { yieldTo: ['price_collection', 'top_coins_collection'] };
    expect(await replicas[0].reserveSlot(slot(T0, terms))).toMatchObject({ admitted: true });
    await db.query(
      `insert into job_runs (job_key, job_name, trigger, status, queued_at, started_at, heartbeat_at, owner)
       values ('price_collection', 'price_collection(limit=5)', 'schedule', 'queued', now(), now(), now(), 'replica-b')`,
    );
    expect(await replicas[1].reserveSlot(slot(T0 + 5000, terms))).toEqual({ admitted: false, yielded: true });
    // Other callers are not held back.
    expect(await replicas[1].reserveSlot(slot(T0 + 5000, { job: 'price_collection' }))).toMatchObject({
      admitted: true,
      waitMs: 0,
    });
    await db.query(`update job_runs set status = 'succeeded', completed_at = now()`);
    expect(await replicas[0].reserveSlot(slot(T0 + 5000, terms))).toMatchObject({ admitted: true });
    expect(await calls()).toBe(3);
  });

  it('on a fresh limit row too, and a spent budget is still reported as the budget', async () => {
    await db.query(
      `insert into job_runs (job_key, job_name, trigger, status, started_at, heartbeat_at, owner)
       values ('price_collection', 'price_collection(limit=5)', 'manual', 'running', now(), now(), 'a')`,
    );
    expect(await replicas[0].reserveSlot(slot(T0, { yieldTo: ['price_collection'] }))).toEqual({
      admitted: false,
      yielded: true,
    });
    expect(await db.query('select key from rate_limit_windows')).toEqual([]);
    await replicas[0].reserveSlot(slot(T0, { budget: 1 }));
    expect(await replicas[1].reserveSlot(slot(T0, { budget: 1, notAfter: T0 + 10_000 }))).toMatchObject({
      admitted: false,
      monthCalls: 1,
    });
  });

  it('the limiter rejects a refused low-priority request with CoinGeckoYieldError and takes its count back', async () => {
    const limiter = new CoinGeckoRateLimiter({
      store: replicas[0],
      limit: 1,
      windowMs: 60_000,
      marginMs: 1000,
      monthlyBudget: null,
      now: () => T0,
      wait: () => Promise.resolve(),
    });
    await limiter.acquire('/coins/markets');
    await expect(
      withLowPriority({ notAfter: T0 + 60_000 }, () => limiter.acquire('/coins/{id}/market_chart/range')),
    ).rejects.toBeInstanceOf(CoinGeckoYieldError);
    await withLowPriority({ notAfter: T0 + 61_000 }, () => limiter.acquire('/coins/{id}/market_chart/range'));
    expect(await calls()).toBe(2);
  });
});
