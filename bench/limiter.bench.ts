import { MikroORM } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { performance } from 'node:perf_hooks';
import { CoinGeckoRateLimiter, type SlotStore } from '../src/coingecko/coingecko.rate-limiter.js';
import { MemorySlotStore } from '../src/coingecko/limiter/memory-slot-store.js';
import { RateLimitRepository } from '../src/coingecko/limiter/rate-limit.repository.js';
import { buildOrmOptions } from '../src/database/orm-options.js';
import { createBenchDatabase, median, ms, percentile, printTable, sized } from './support.js';

const REQUESTS = sized(1000, 50);
const WARMUP = sized(100, 10);
/** The sustained-demand part runs on a scaled-down minute so the whole benchmark takes well under one. */
const WINDOW_MS = 6000;
/**
 * Not scaled down with the window: the margin absorbs the database round trip, which this machine's load
 * sets, not the window. 200 ms of 6 s gives up 3.2 % of N; production's 1 s of 60 s gives up 1.6 %.
 */
const MARGIN_MS = 200;
const SUSTAINED_MS = sized(30_000, 1500);

function limiter(store: SlotStore, limit: number, windowMs = 60_000, marginMs = 1000): CoinGeckoRateLimiter {
  return new CoinGeckoRateLimiter({ store, limit, windowMs, marginMs, monthlyBudget: null });
}

/** A bare `select 1` through the same connection pool: the round trip any shared limiter pays. */
async function roundTrip(orm: MikroORM): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const start = performance.now();
    await sql`select 1`.execute(orm.em.fork().getKysely<unknown>());
    if (i >= WARMUP) times.push(performance.now() - start);
  }
  return times;
}

async function overhead(store: SlotStore): Promise<number[]> {
  const rate = limiter(store, 100_000);
  const times: number[] = [];
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const start = performance.now();
    await rate.acquire('/ping');
    if (i >= WARMUP) times.push(performance.now() - start);
  }
  return times;
}

/** The most starts inside any window of `windowMs`. */
function busiest(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j] < sorted[i] + windowMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

/** `replicas` limiters on their own pools, 8 callers each asking as fast as they are admitted. */
async function sustained(orms: MikroORM[], limit: number): Promise<{ starts: number[]; elapsed: number }> {
  const limiters = orms.map((orm) => limiter(new RateLimitRepository(orm), limit, WINDOW_MS, MARGIN_MS));
  const starts: number[] = [];
  const begin = Date.now();
  const deadline = begin + SUSTAINED_MS;
  await Promise.all(
    limiters.flatMap((rate) =>
      Array.from({ length: 8 }, async () => {
        while (Date.now() < deadline) {
          await rate.acquire('/ping');
          starts.push(Date.now());
        }
      }),
    ),
  );
  return { starts: starts.filter((at) => at < deadline), elapsed: deadline - begin };
}

/**
 * The shared CoinGecko limiter: what one reservation costs against the in-process window (target ≤ 2 ms
 * median on the local PostgreSQL), and how many calls it admits under sustained demand from three
 * replicas against N (target ≥ 0.95 N per window, never more than N in any window).
 */
export async function limiterBench(): Promise<void> {
  const db = await createBenchDatabase();
  const replicas: MikroORM[] = [];
  db.closeBeforeDrop(() => Promise.all(replicas.map((orm) => orm.close(true))));
  try {
    const inProcess = await overhead(new MemorySlotStore());
    const shared = await overhead(new RateLimitRepository(db.orm));
    const bare = await roundTrip(db.orm);
    printTable(
      `Per-request cost of acquire(), ${REQUESTS} sequential requests after ${WARMUP} warm-up, never waiting (target: shared ≤ 2 ms median)`,
      ['limiter', 'median', 'p99', 'max'],
      [
        [
          'in-process (MemorySlotStore)',
          ms(median(inProcess)),
          ms(percentile(inProcess, 99)),
          ms(Math.max(...inProcess)),
        ],
        [
          'shared (PostgreSQL, one statement)',
          ms(median(shared)),
          ms(percentile(shared, 99)),
          ms(Math.max(...shared)),
        ],
        [
          'a bare select 1 round trip (reference)',
          ms(median(bare)),
          ms(percentile(bare, 99)),
          ms(Math.max(...bare)),
        ],
        ['ratio shared / in-process', `${(median(shared) / median(inProcess)).toFixed(1)}×`, '', ''],
      ],
    );

    for (let i = 0; i < 3; i++)
      replicas.push(await MikroORM.init(buildOrmOptions({ clientUrl: db.url, poolMax: 4 })));
    const rows: (string | number)[][] = [];
    for (const limit of [20]) {
      await db.pool.query('delete from rate_limit_windows');
      const { starts, elapsed } = await sustained(replicas, limit);
      const windows = elapsed / WINDOW_MS;
      const perWindow = starts.length / windows;
      rows.push([
        limit,
        starts.length,
        perWindow.toFixed(2),
        `${((perWindow / limit) * 100).toFixed(1)} %`,
        busiest(starts, WINDOW_MS),
      ]);
    }
    printTable(
      `Admitted under sustained demand: 3 replicas × 8 callers for ${SUSTAINED_MS / 1000} s, window ${WINDOW_MS} ms standing in for a minute, margin ${MARGIN_MS} ms (target ≥ 95 % of N, busiest window ≤ N)`,
      ['N', 'admitted', 'per window', 'of N', 'busiest window'],
      rows,
    );
    console.log(
      '\nThe margin (1 s of each minute in production) is the only throughput given up: N per 61 s is 98.4 % of N per minute.',
    );
  } finally {
    await db.drop();
  }
}
