import { afterEach, describe, expect, it } from 'vitest';
import { abortableSleep, CoinGeckoRateLimiter } from './coingecko.rate-limiter.js';

/*
 * Measured on a short real window (200 ms standing in for CoinGecko's minute): the limiter's contract is
 * about wall-clock time, and real timers keep Bottleneck's own scheduling honest.
 */

const limiters: CoinGeckoRateLimiter[] = [];
function limiter(limit: number, windowMs: number): CoinGeckoRateLimiter {
  const created = new CoinGeckoRateLimiter({ limit, windowMs });
  limiters.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(limiters.splice(0).map((created) => created.close()));
});

/** Timer slack: a timer never fires early, but Date.now() has millisecond resolution. */
const SLACK_MS = 2;

describe('CoinGeckoRateLimiter', () => {
  it('never lets more than `limit` requests start in any window, and never waits longer than that needs', async () => {
    const windowMs = 300;
    const rate = limiter(5, windowMs);
    const start = Date.now();
    const granted: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        await rate.acquire();
        granted.push(Date.now() - start);
      }),
    );

    // No window of 300 ms holds more than 5 starts: the 6th start after any start is ≥ 200 ms later.
    for (let i = 5; i < granted.length; i++)
      expect(granted[i] - granted[i - 5]).toBeGreaterThanOrEqual(windowMs - SLACK_MS);
    // A burst of `limit` goes at once; each later request waits only for the slot it needs.
    // (Upper bounds leave room for a loaded CI machine; what matters is "one window", not "two".)
    expect(granted.slice(0, 5).every((at) => at < windowMs / 2 + 100)).toBe(true);
    expect(granted.slice(5, 10).every((at) => at < windowMs + 250)).toBe(true);
    expect(granted.slice(10).every((at) => at < 2 * windowMs + 250)).toBe(true);
  });

  it('serves waiters first come, first served', async () => {
    const rate = limiter(1, 40);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map(async (n) => rate.acquire().then(() => order.push(n))));
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it("gives up a queued wait when the signal fires, with the signal's reason, without spending a token", async () => {
    const windowMs = 150;
    const rate = limiter(1, windowMs);
    const start = Date.now();
    await rate.acquire();
    const controller = new AbortController();
    const reason = new Error('job timed out');
    const abandoned = rate.acquire(controller.signal);
    const next = rate.acquire().then(() => Date.now() - start);
    setTimeout(() => controller.abort(reason), 20);
    await expect(abandoned).rejects.toBe(reason);
    // The waiter behind it gets the token freed after one window, not two.
    const nextAt = await next;
    expect(nextAt).toBeGreaterThanOrEqual(windowMs - SLACK_MS);
    expect(nextAt).toBeLessThan(2 * windowMs);
  });

  it('rejects at once when the signal has already fired', async () => {
    const rate = limiter(1, 1000);
    const reason = new Error('shutting down');
    await expect(rate.acquire(AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(await rate.available()).toBe(1);
  });

  it('holds every request until a Retry-After moment, even with tokens to spare', async () => {
    const rate = limiter(10, 1000);
    const start = Date.now();
    rate.holdUntil(start + 120);
    rate.holdUntil(start + 10); // never shortens a hold
    await rate.acquire();
    expect(Date.now() - start).toBeGreaterThanOrEqual(120 - SLACK_MS);

    rate.holdUntil(Date.now() + 10_000);
    const reason = new Error('stop');
    await expect(rate.acquire(AbortSignal.timeout(30))).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(rate.acquire(AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('refuses new requests once closed', async () => {
    const rate = limiter(1, 1000);
    await rate.close();
    await expect(rate.acquire()).rejects.toThrow(/shutting down/);
  });
});

describe('abortableSleep', () => {
  it('sleeps, or stops with the reason of the signal', async () => {
    const start = Date.now();
    await abortableSleep(30);
    expect(Date.now() - start).toBeGreaterThanOrEqual(30 - SLACK_MS);
    const reason = new Error('aborted by the job');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 10);
    await expect(abortableSleep(10_000, controller.signal)).rejects.toBe(reason);
  });
});
