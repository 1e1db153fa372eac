import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CoinGeckoClient } from '../../src/coingecko/coingecko.client.js';
import { CoinGeckoError } from '../../src/coingecko/coingecko.errors.js';
import type { Environment } from '../../src/config/environment.js';
import { CoinGeckoFake, faults, type FakeEndpoint, type FakeFault } from '../fakes/coingecko-fake.js';
import { CapturingLogger, createClient, type ClientUnderTest } from './coingecko-client.harness.js';

/**
 * What the client retries and what it does not, counted at the fake: every transient failure is
 * retried up to COINGECKO_MAX_RETRIES times (4: five attempts), waiting Retry-After when CoinGecko sends
 * one; key, plan and other 4xx errors fail on the first attempt with a message that says what to fix.
 */

async function failureOf(promise: Promise<unknown>): Promise<CoinGeckoError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof CoinGeckoError)) throw new Error(`expected a CoinGeckoError, got ${String(error)}`);
  return error;
}

describe('CoinGeckoClient: transient failures are retried', () => {
  let fake: CoinGeckoFake;
  let under: ClientUnderTest;
  let client: CoinGeckoClient;

  beforeAll(async () => {
    fake = await CoinGeckoFake.start({ coins: 300 });
    under = await createClient({ COINGECKO_BASE_URL: fake.url });
    client = under.client;
  });

  afterAll(async () => {
    await under?.close();
    await fake?.stop();
  });

  afterEach(() => fake.reset());

  const transient: [string, FakeFault][] = [
    ['500', faults.serverError(500)],
    ['503', faults.serverError(503)],
    ['429 without Retry-After', faults.rateLimited()],
    ['a 429 error object in a 200', faults.errorBody(429)],
    ['a Cloudflare HTML page', faults.cloudflareHtml(502)],
    ['Cloudflare "error code: 1015" as plain text', faults.cloudflareText(1015, 429)],
    ['truncated JSON', faults.truncatedJson()],
    ['a connection reset', faults.connectionReset()],
  ];

  it.each(transient)('%s twice, then success: three attempts, one result', async (_name, fault) => {
    fake.failNext('/coins/markets', 2, fault);
    const { items } = await client.marketsTop(300);
    expect(items).toHaveLength(300);
    // Page 1 took three attempts, page 2 one: only the failed request is repeated.
    expect(fake.count('/coins/markets')).toBe(4);
    expect(fake.requests.map((request) => request.query.page)).toEqual(['1', '1', '1', '2']);
  });

  it.each<[string, FakeFault, FakeEndpoint, RegExp]>([
    [
      '503',
      faults.serverError(503),
      '/global',
      /^CoinGecko server error \(503\) on \/global after 5 attempts: Service Unavailable$/,
    ],
    [
      '429',
      faults.rateLimited(),
      '/ping',
      /^CoinGecko rate limit \(429\) on \/ping after 5 attempts; lower COINGECKO_RATE_LIMIT_PER_MINUTE/,
    ],
    [
      'Cloudflare HTML',
      faults.cloudflareHtml(522),
      '/coins/markets',
      /^CoinGecko answered with a Cloudflare page instead of JSON \(522: api\.coingecko\.com \| 522: .*\) on \/coins\/markets after 5 attempts$/,
    ],
    [
      'truncated JSON',
      faults.truncatedJson(),
      '/coins/list',
      /^CoinGecko sent a truncated or invalid JSON body \(200\) on \/coins\/list after 5 attempts: /,
    ],
    [
      'connection resets',
      faults.connectionReset(),
      '/ping',
      /^Could not reach CoinGecko at http:\/\/127\.0\.0\.1:\d+\/api\/v3 for \/ping \(ECONNRESET\) after 5 attempts$/,
    ],
  ])(
    '%s five times: fails after 5 attempts naming endpoint, status and attempts',
    async (_name, fault, endpoint, message) => {
      fake.failNext(endpoint, 5, fault);
      const call =
        endpoint === '/global'
          ? client.global()
          : endpoint === '/coins/list'
            ? client.coinsListWithPlatforms()
            : endpoint === '/coins/markets'
              ? client.marketsTop(10)
              : client.ping();
      const error = await failureOf(call);
      expect(error.message).toMatch(message);
      expect(error).toMatchObject({ endpoint, attempts: 5, retryable: false, upstream: true });
      expect(fake.count(endpoint)).toBe(5);
    },
  );

  it('waits a jittered backoff below COINGECKO_RETRY_MAX_MS between attempts', async () => {
    const logger = new CapturingLogger();
    const bounded = await createClient(
      { COINGECKO_BASE_URL: fake.url, COINGECKO_RETRY_BASE_MS: '40', COINGECKO_RETRY_MAX_MS: '60' },
      logger,
    );
    try {
      fake.failNext('/ping', 4, faults.serverError(502));
      await bounded.client.ping();
      const delays = logger.retryDelays();
      // Uniform in [0, min(60, 40·2^(n-1))): uncapped, the fourth could have been up to 320 ms.
      expect(delays).toHaveLength(4);
      expect(delays[0]).toBeLessThan(40);
      for (const delay of delays) expect(delay).toBeLessThan(60);
      // …and the client really waited them.
      const at = fake.requests.map((request) => request.at);
      for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(delays[i - 1] - 2);
    } finally {
      await bounded.close();
    }
  });

  it('honours Retry-After in seconds, for the request that got it and for every other request', async () => {
    const logger = new CapturingLogger();
    const own = await createClient({ COINGECKO_BASE_URL: fake.url }, logger);
    try {
      fake.failNext('/ping', 1, faults.rateLimited('1'));
      const ping = own.client.ping();
      // Another job's request, sent while the first waits: the limiter holds it until Retry-After too.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const global = own.client.global();
      await Promise.all([ping, global]);
      // Exactly what was asked for (the backoff alone would have been under 20 ms)…
      expect(logger.retryDelays()).toEqual([1000]);
      // …by both requests.
      const [first, second] = fake.requests.filter((request) => request.endpoint === '/ping');
      expect(second.at - first.at).toBeGreaterThanOrEqual(1000 - 5);
      expect((fake.lastRequest('/global')?.at ?? 0) - first.at).toBeGreaterThanOrEqual(1000 - 5);
    } finally {
      await own.close();
    }
  });

  it('honours Retry-After as an HTTP date', async () => {
    const logger = new CapturingLogger();
    const own = await createClient({ COINGECKO_BASE_URL: fake.url }, logger);
    try {
      const retryAt = new Date(Math.ceil((Date.now() + 1000) / 1000) * 1000);
      fake.failNext('/ping', 1, faults.rateLimited(retryAt.toUTCString()));
      await own.client.ping();
      const [limited, retried] = fake.requests;
      expect(retried.at).toBeGreaterThanOrEqual(retryAt.getTime() - 5);
      const [delay] = logger.retryDelays();
      expect(delay).toBeGreaterThan(0);
      expect(delay).toBeLessThanOrEqual(retryAt.getTime() - limited.at + 5);
    } finally {
      await own.close();
    }
  });

  it('treats a request without an answer in COINGECKO_TIMEOUT_MS as transient', async () => {
    const quick = await createClient({
      COINGECKO_BASE_URL: fake.url,
      // Long enough that a loaded machine answers the healthy attempt in time (a hang never answers anyway).
      COINGECKO_TIMEOUT_MS: '1000',
      COINGECKO_MAX_RETRIES: '2',
    });
    try {
      fake.failNext('/ping', 1, faults.hang());
      expect(await quick.client.ping()).toEqual({ geckoSays: '(V3) To the Moon!' });
      expect(fake.count('/ping')).toBe(2);

      fake.failNext('/ping', 3, faults.hang());
      const start = Date.now();
      const error = await failureOf(quick.client.ping());
      expect(error.message).toBe(
        'CoinGecko did not answer /ping within 1000 ms (COINGECKO_TIMEOUT_MS) after 3 attempts',
      );
      expect(error).toMatchObject({ kind: 'timeout', attempts: 3 });
      expect(Date.now() - start).toBeGreaterThanOrEqual(3000 - 5);
      expect(Date.now() - start).toBeLessThan(20_000);
    } finally {
      await quick.close();
    }
  });

  it('does not retry at all with COINGECKO_MAX_RETRIES=0', async () => {
    const once = await createClient({ COINGECKO_BASE_URL: fake.url, COINGECKO_MAX_RETRIES: '0' });
    try {
      fake.failNext('/ping', 1, faults.serverError(500));
      const error = await failureOf(once.client.ping());
      expect(error.message).toBe(
        'CoinGecko server error (500) on /ping after 1 attempt: Internal Server Error',
      );
      expect(fake.count('/ping')).toBe(1);
    } finally {
      await once.close();
    }
  });
});

describe('CoinGeckoClient: final failures are not retried', () => {
  const cases: {
    name: string;
    fake: { server?: 'public' | 'pro'; requireKey?: string };
    env: Environment;
    setup?: (fake: CoinGeckoFake) => void;
    call: (client: CoinGeckoClient) => Promise<unknown>;
    endpoint: FakeEndpoint;
    expected: Partial<CoinGeckoError>;
    message: RegExp;
  }[] = [
    {
      name: 'missing key (10002) on the public plan',
      fake: { requireKey: 'the-right-key' },
      env: {},
      call: (client) => client.ping(),
      endpoint: '/ping',
      expected: { kind: 'auth', status: 401, errorCode: 10002 },
      message:
        /^CoinGecko refused the request on \/ping \(401, error_code 10002\): an API key is required — set COINGECKO_API_KEY/,
    },
    {
      name: 'a demo key CoinGecko does not accept (10002)',
      fake: { requireKey: 'the-right-key' },
      env: { COINGECKO_API_KEY: 'a-wrong-key' },
      call: (client) => client.ping(),
      endpoint: '/ping',
      expected: { kind: 'auth', errorCode: 10002 },
      message: /the demo API key was missing or not accepted — check COINGECKO_API_KEY/,
    },
    {
      name: 'a Pro key on the public host (10010)',
      fake: { server: 'public' },
      env: { COINGECKO_API_KEY: 'a-pro-key', COINGECKO_API_PLAN: 'pro' },
      call: (client) => client.marketsTop(10),
      endpoint: '/coins/markets',
      expected: { kind: 'auth', errorCode: 10010 },
      message:
        /error_code 10010\): COINGECKO_API_KEY is a Pro key but requests go to the public\/demo host — set COINGECKO_API_PLAN=pro/,
    },
    {
      name: 'a Demo key on the Pro host (10011)',
      fake: { server: 'pro' },
      env: { COINGECKO_API_KEY: 'a-demo-key' },
      call: (client) => client.marketsTop(10),
      endpoint: '/coins/markets',
      expected: { kind: 'auth', errorCode: 10011 },
      message:
        /error_code 10011\): COINGECKO_API_KEY is a Demo key but requests go to the Pro host — set COINGECKO_API_PLAN=demo/,
    },
    {
      name: 'an endpoint outside the plan (10005)',
      fake: {},
      env: { COINGECKO_API_KEY: 'a-demo-key' },
      setup: (fake) => fake.restrictEndpoint('/coins/list'),
      call: (client) => client.coinsListWithPlatforms(),
      endpoint: '/coins/list',
      expected: { kind: 'plan', errorCode: 10005 },
      message:
        /^CoinGecko refused \/coins\/list \(401, error_code 10005: endpoint not included in the "demo" plan\): use a plan that includes it/,
    },
    {
      name: 'a key error sent with HTTP 200',
      fake: {},
      env: {},
      setup: (fake) => fake.failNext('/global', 1, faults.errorBody(10002, 200, 'API Key Missing')),
      call: (client) => client.global(),
      endpoint: '/global',
      expected: { kind: 'auth', errorCode: 10002 },
      message: /an API key is required — set COINGECKO_API_KEY .* — API Key Missing \(sent with HTTP 200\)$/,
    },
    {
      name: "422 with CoinGecko's own message",
      fake: {},
      env: {},
      setup: (fake) =>
        fake.failNext('/coins/markets', 1, faults.status(422, { error: 'Missing parameter vs_currency' })),
      call: (client) => client.marketsByIds(['bitcoin']),
      endpoint: '/coins/markets',
      expected: { kind: 'client_error', status: 422 },
      message: /^CoinGecko rejected \/coins\/markets \(422\): Missing parameter vs_currency$/,
    },
    {
      name: 'Cloudflare 1020 (access denied)',
      fake: {},
      env: {},
      setup: (fake) => fake.failNext('/ping', 1, faults.cloudflareText(1020, 403)),
      call: (client) => client.ping(),
      endpoint: '/ping',
      expected: { kind: 'blocked', status: 403 },
      message: /blocked this client on \/ping \(403: error code: 1020\); check the outgoing IP address/,
    },
  ];

  it.each(cases)('$name: one attempt, a message that says what to fix', async (testCase) => {
    const fake = await CoinGeckoFake.start(testCase.fake);
    const logger = new CapturingLogger();
    const under = await createClient({ COINGECKO_BASE_URL: fake.url, ...testCase.env }, logger);
    try {
      testCase.setup?.(fake);
      const error = await failureOf(testCase.call(under.client));
      expect(error).toMatchObject({
        ...testCase.expected,
        endpoint: testCase.endpoint,
        attempts: 1,
        retryable: false,
      });
      expect(error.message).toMatch(testCase.message);
      expect(fake.count(testCase.endpoint)).toBe(1);
      const key = testCase.env.COINGECKO_API_KEY;
      if (key) {
        expect(logger.text()).toContain('CoinGecko');
        expect(logger.text()).not.toContain(key);
        expect(error.message).not.toContain(key);
        expect(JSON.stringify(error)).not.toContain(key);
      }
    } finally {
      await under.close();
      await fake.stop();
    }
  });
});

describe("CoinGeckoClient: the job's abort signal", () => {
  let fake: CoinGeckoFake;
  let under: ClientUnderTest;

  beforeAll(async () => {
    fake = await CoinGeckoFake.start({ coins: 1000 });
  });

  afterAll(async () => {
    await fake?.stop();
  });

  // A fresh client per test: a Retry-After hold in one test must not hold the next.
  beforeEach(async () => {
    under = await createClient({
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RETRY_BASE_MS: '30000',
      COINGECKO_RETRY_MAX_MS: '60000',
    });
  });

  afterEach(async () => {
    await under?.close();
    fake.reset();
  });

  /** Aborts with `reason` once `ready()` holds (polled), so each test aborts at the moment it is about. */
  function abortWhen(ready: () => boolean, reason: Error): AbortSignal {
    const controller = new AbortController();
    const poll = setInterval(() => {
      if (!ready()) return;
      clearInterval(poll);
      controller.abort(reason);
    }, 5);
    return controller.signal;
  }

  it("stops a Retry-After wait at once and rejects with the signal's reason", async () => {
    fake.failNext('/ping', 1, faults.rateLimited('30'));
    const reason = new Error('timed out');
    const start = Date.now();
    await expect(
      under.client.ping({ signal: abortWhen(() => fake.count('/ping') === 1, reason) }),
    ).rejects.toBe(reason);
    expect(Date.now() - start).toBeLessThan(2000);
    expect(fake.count('/ping')).toBe(1);
  });

  it('stops a backoff wait', async () => {
    fake.failNext('/global', 1, faults.serverError(503));
    const reason = new Error('shutdown');
    const start = Date.now();
    // COINGECKO_RETRY_BASE_MS is 30 s here: without the abort the retry would come much later.
    await expect(
      under.client.global({ signal: abortWhen(() => fake.count('/global') === 1, reason) }),
    ).rejects.toBe(reason);
    expect(Date.now() - start).toBeLessThan(2000);
    expect(fake.count('/global')).toBe(1);
  });

  it('aborts the request in flight and does not retry it', async () => {
    fake.failNext('/coins/list', 1, faults.hang());
    const reason = new Error('timed out');
    const signal = abortWhen(() => fake.count('/coins/list') === 1, reason);
    await expect(under.client.coinsListWithPlatforms({ signal })).rejects.toBe(reason);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.count('/coins/list')).toBe(1);
  });

  it('stops paging between pages', async () => {
    const controller = new AbortController();
    const reason = new Error('timed out');
    fake.onMarketsPage(({ page }) => {
      if (page === 1) controller.abort(reason);
    });
    await expect(under.client.marketsTop(1000, { signal: controller.signal })).rejects.toBe(reason);
    expect(fake.count('/coins/markets')).toBe(1);
  });

  it('sends nothing when the signal has already fired', async () => {
    const reason = new Error('already over');
    await expect(under.client.ping({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fake.count()).toBe(0);
  });
});
