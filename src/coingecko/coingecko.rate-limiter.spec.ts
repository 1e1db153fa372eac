import { describe, expect, it } from 'vitest';
import { CoinGeckoBudgetError } from './coingecko.errors.js';
import {
  abortableSleep,
  CoinGeckoRateLimiter,
  nextMonthStart,
  type SlotStore,
} from './coingecko.rate-limiter.js';
import { MemorySlotStore } from './limiter/memory-slot-store.js';

/*
 * Time is injected: the limiter's clock is `clock.now`, and a sleep moves it forward instead of waiting,
 * so a request starts at the clock's time when `acquire` returns. Nothing here depends on the machine's speed.
 */

const DEC_2026 = Date.UTC(2026, 11, 15, 12, 0, 0);

function harness(options: {
  limit: number;
  windowMs: number;
  marginMs?: number;
  budget?: number | null;
  store?: SlotStore;
}) {
  const clock = { now: DEC_2026 };
  const starts: number[] = [];
  const sleeps: number[] = [];
  const store = options.store ?? new MemorySlotStore(() => clock.now);
  const limiter = new CoinGeckoRateLimiter({
    store,
    limit: options.limit,
    windowMs: options.windowMs,
    marginMs: options.marginMs ?? 0,
    monthlyBudget: options.budget ?? null,
    now: () => clock.now,
    wait: (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      clock.now += Math.max(0, ms);
      return Promise.resolve();
    },
  });
  const acquire = async (endpoint = 'markets', signal?: AbortSignal) => {
    await limiter.acquire(endpoint, signal);
    starts.push(clock.now);
  };
  return { clock, starts, sleeps, store, limiter, acquire };
}

/** The most starts any window of `windowMs` holds. */
function busiestWindow(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j < sorted.length && sorted[j] < sorted[i] + windowMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

describe('CoinGeckoRateLimiter', () => {
  it('lets a burst of `limit` go at once and starts each later request exactly one window after its slot', async () => {
    const { acquire, starts } = harness({ limit: 5, windowMs: 300 });
    for (let i = 0; i < 12; i++) await acquire();
    const relative = starts.map((start) => start - DEC_2026);
    expect(relative).toEqual([0, 0, 0, 0, 0, 300, 300, 300, 300, 300, 600, 600]);
    expect(busiestWindow(starts, 300)).toBe(5);
  });

  it('adds the safety margin to the window', async () => {
    const { acquire, starts } = harness({ limit: 2, windowMs: 60_000, marginMs: 1000 });
    for (let i = 0; i < 3; i++) await acquire();
    expect(starts.map((start) => start - DEC_2026)).toEqual([0, 0, 61_000]);
  });

  it('never lets more than `limit` start in any window, in arrival order, whatever the arrival times', async () => {
    const { acquire, starts, clock } = harness({ limit: 4, windowMs: 1000 });
    let seed = 7;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    for (let i = 0; i < 200; i++) {
      clock.now += Math.floor(random() * 400);
      await acquire();
    }
    expect(busiestWindow(starts, 1000)).toBeLessThanOrEqual(4);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it('takes a fresh slot, counted once, when it wakes too late for its own', async () => {
    const store = new MemorySlotStore();
    const clock = { now: DEC_2026 };
    let late = 800;
    const reserved: number[] = [];
    const counting: SlotStore = {
      reserveSlot: (request) => {
        reserved.push(clock.now);
        return store.reserveSlot(request);
      },
      uncount: (request) => store.uncount(request),
      hold: (key, ms, now) => store.hold(key, ms, now),
    };
    const limiter = new CoinGeckoRateLimiter({
      store: counting,
      limit: 1,
      windowMs: 60_000,
      marginMs: 1000,
      monthlyBudget: null,
      now: () => clock.now,
      wait: (ms) => {
        clock.now += Math.max(0, ms) + late;
        late = 0;
        return Promise.resolve();
      },
    });
    await limiter.acquire('markets');
    // Woke 800 ms late (> half the margin): a second reservation, at the time it woke; one call counted.
    expect(reserved).toEqual([DEC_2026, DEC_2026 + 800]);
    expect(store.counts.get('2026-12|unattributed|markets')).toBe(1);
    // The abandoned slot still counts in the window (erring safe): the fresh one is a window after it.
    expect(clock.now).toBe(DEC_2026 + 61_000);
    await limiter.acquire('markets');
    expect(clock.now).toBe(DEC_2026 + 122_000);
    expect(store.counts.get('2026-12|unattributed|markets')).toBe(2);
  });

  it('holds every request after a Retry-After', async () => {
    const { acquire, starts, limiter } = harness({ limit: 100, windowMs: 60_000 });
    await acquire();
    limiter.hold(30_000);
    await acquire();
    expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(30_000);
  });

  it('refuses the call over the monthly budget, counts nothing for it, and names the reset', async () => {
    const store = new MemorySlotStore();
    const { acquire, clock } = harness({ limit: 100, windowMs: 60_000, budget: 3, store });
    for (let i = 0; i < 3; i++) await acquire();
    const refused = await acquire().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CoinGeckoBudgetError);
    expect((refused as Error).message).toBe(
      'CoinGecko monthly call budget of 3 calls is used up (resets at 2027-01-01T00:00:00Z)',
    );
    expect(store.counts.get('2026-12|unattributed|markets')).toBe(3);
    // A new month starts a new count.
    clock.now = Date.UTC(2027, 0, 1, 0, 0, 1);
    await acquire();
    expect(store.counts.get('2027-01|unattributed|markets')).toBe(1);
  });

  it('takes the count back when the job gives up while waiting for its slot', async () => {
    const store = new MemorySlotStore();
    const { acquire } = harness({ limit: 1, windowMs: 60_000, store });
    await acquire();
    const controller = new AbortController();
    controller.abort(new Error('job cancelled'));
    await expect(acquire('markets', controller.signal)).rejects.toThrow('job cancelled');
    const other = new AbortController();
    const waiting = acquire('global', other.signal);
    other.abort(new Error('timed out'));
    await expect(waiting).rejects.toThrow('timed out');
    await Promise.resolve();
    expect(store.counts.get('2026-12|unattributed|markets')).toBe(1);
    expect(store.counts.get('2026-12|unattributed|global') ?? 0).toBe(0);
  });

  it('waits and retries while the database is unreachable, and never sends without a reservation', async () => {
    const memory = new MemorySlotStore();
    let failures = 2;
    const flaky: SlotStore = {
      reserveSlot: (request) =>
        failures-- > 0 ? Promise.reject(new Error('connect ECONNREFUSED')) : memory.reserveSlot(request),
      uncount: (request) => memory.uncount(request),
      hold: (key, ms, now) => memory.hold(key, ms, now),
    };
    const { acquire, sleeps, starts } = harness({ limit: 5, windowMs: 60_000, store: flaky });
    await acquire();
    expect(sleeps.slice(0, 2)).toEqual([250, 500]);
    expect(starts).toHaveLength(1);

    failures = Number.POSITIVE_INFINITY;
    const controller = new AbortController();
    const attempt = acquire('markets', controller.signal);
    controller.abort(new Error('shutting down'));
    await expect(attempt).rejects.toThrow('shutting down');
    expect(starts).toHaveLength(1);
  });
});

describe('nextMonthStart', () => {
  it('is midnight UTC on the first of the next month, across a year end', () => {
    expect(nextMonthStart('2026-12', 0).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(nextMonthStart('2027-02', 0).toISOString()).toBe('2027-03-01T00:00:00.000Z');
  });
});

describe('abortableSleep', () => {
  it("rejects with the signal's own reason", async () => {
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    controller.abort(reason);
    await expect(abortableSleep(10_000, controller.signal)).rejects.toBe(reason);
  });
});
