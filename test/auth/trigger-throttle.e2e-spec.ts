import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoinGeckoFake } from '../fakes/coingecko-fake.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'throttle-admin-token-0123456789abcdef';
const OTHER = 'throttle-other-token-0123456789abcdef';

/**
 * TRIGGER_RATE_LIMIT_PER_MINUTE on two replicas of one database: the budget is the token's, wherever
 * its triggers land, and only triggers that passed validation use it up.
 */
describe('trigger throttle shared by replicas', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;
  let replicas: RunningApp[];

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 50 });
    const env = {
      DATABASE_URL: db.url,
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      API_TOKENS: `${TOKEN},${OTHER}`,
      TRIGGER_RATE_LIMIT_PER_MINUTE: '2',
    };
    replicas = [await startApp(env), await startApp({ ...env, DB_MIGRATE: 'false' })];
  });

  afterAll(async () => {
    for (const replica of replicas ?? []) await replica.close();
    await fake?.stop();
    await db?.drop();
  });

  const trigger = (replica: number, body: string, token = TOKEN, contentType = 'application/json') =>
    fetch(`${replicas[replica].baseUrl}/api/v1/jobs/collect-top-coins?wait=false`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body,
    });

  it('counts valid triggers across replicas; a 400 or 415 gives its admission back', async () => {
    for (let i = 0; i < 3; i++) expect((await trigger(i % 2, '{"limit": 0}')).status).toBe(400);
    expect((await trigger(1, 'limit=5', TOKEN, 'text/plain')).status).toBe(415);

    const first = await trigger(0, '{"limit": 5}');
    expect([200, 202, 409]).toContain(first.status);
    const second = await trigger(1, '{"limit": 5}');
    expect([200, 202, 409]).toContain(second.status);

    const third = await trigger(0, '{"limit": 5}');
    expect(third.status).toBe(429);
    expect(await third.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringMatching(
        /^Too many job triggers: at most 2 per minute per token; retry in \d+ s$/,
      ) as unknown,
    });
    const retryAfter = Number(third.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await trigger(1, '{"limit": 5}')).status).toBe(429);

    // Another token has its own window.
    expect([200, 202, 409]).toContain((await trigger(1, '{"limit": 5}', OTHER)).status);
  });
});
