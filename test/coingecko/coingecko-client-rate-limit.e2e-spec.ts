import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CoinGeckoFake, faults } from '../fakes/coingecko-fake.js';
import { createClient } from './coingecko-client.harness.js';

/**
 * The limiter as the client uses it (its window in memory here). Its timing is checked with injected time
 * in src/coingecko/coingecko.rate-limiter.spec.ts; here, with the real one-minute window,
 * the point is what reaches CoinGecko: never more than COINGECKO_RATE_LIMIT_PER_MINUTE requests, from all
 * callers and retries together, and a waiting caller can always be aborted.
 */
describe('CoinGeckoClient: rate limit', () => {
  let fake: CoinGeckoFake;

  beforeAll(async () => {
    fake = await CoinGeckoFake.start({ coins: 1000 });
  });

  afterAll(async () => {
    await fake?.stop();
  });

  afterEach(() => fake.reset());

  function settle(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await settle(5);
    }
  }

  it('sends at most COINGECKO_RATE_LIMIT_PER_MINUTE requests a minute, shared by every caller', async () => {
    const { client, close } = await createClient({
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '3',
    });
    try {
      const controller = new AbortController();
      const reason = new Error('job stopped');
      const signal = controller.signal;
      const start = Date.now();
      // Two "jobs": one pages through 4 pages, the other pings twice.
      const calls = [
        client.marketsTop(1000, { signal }),
        client.ping({ signal }),
        client.ping({ signal }),
      ].map((call) =>
        call.then(
          () => 'done',
          (error: unknown) => error,
        ),
      );
      await eventually(() => fake.count() === 3);
      // The three went without waiting; the fourth waits for a token a minute away.
      expect(fake.requests.every((request) => request.at - start < 1000)).toBe(true);
      await settle(300);
      expect(fake.count()).toBe(3);
      controller.abort(reason);
      const outcomes = await Promise.all(calls);
      expect(outcomes.filter((outcome) => outcome === reason).length).toBeGreaterThanOrEqual(1);
      expect(fake.count()).toBe(3);
    } finally {
      await close();
    }
  });

  it('counts retries against the limit too', async () => {
    const { client, close } = await createClient({
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '2',
    });
    try {
      fake.failNext('/ping', 3, faults.serverError(503));
      const controller = new AbortController();
      const reason = new Error('job stopped');
      const ping = client.ping({ signal: controller.signal });
      await eventually(() => fake.count('/ping') === 2);
      await settle(200);
      expect(fake.count('/ping')).toBe(2);
      controller.abort(reason);
      await expect(ping).rejects.toBe(reason);
    } finally {
      await close();
    }
  });

  it("recovers from CoinGecko's own 429 by waiting its Retry-After", async () => {
    const { client, close } = await createClient({ COINGECKO_BASE_URL: fake.url });
    try {
      fake.setRateLimit(2, 1000);
      const start = Date.now();
      await Promise.all([client.ping(), client.ping(), client.ping()]);
      // Two pass, the third gets 429 with retry-after: 1 and succeeds on its retry a second later.
      expect(fake.count('/ping')).toBe(4);
      expect(Date.now() - start).toBeGreaterThanOrEqual(1000 - 5);
      // Not two windows (a loaded machine may add seconds, never a minute).
      expect(Date.now() - start).toBeLessThan(30_000);
      expect(client.stats()['/ping']).toMatchObject({ requests: 4, rateLimited: 1, retries: 1 });
    } finally {
      await close();
    }
  });
});
