import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoinGeckoFake } from '../fakes/coingecko-fake.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { spawnSource } from '../support/service-process.js';

describe('npm run job (the job CLI)', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 50 });
  });

  afterAll(async () => {
    await fake?.stop();
    await db?.drop();
  });

  const env = () => ({
    DATABASE_URL: db.url,
    COINGECKO_BASE_URL: fake.url,
    COINGECKO_RATE_LIMIT_PER_MINUTE: '10000',
    LOG_LEVEL: 'warn',
  });

  it('runs one job through the runner (trigger cli), prints its JobResult and exits 0', async () => {
    const cli = spawnSource('src/jobs/job.cli.ts', ['top_coins_collection', '--limit', '7'], env());
    expect(await cli.exited).toBe(0);
    expect(JSON.parse(cli.stdout())).toMatchObject({
      success: true,
      job_name: 'top_coins_collection(limit=7)',
    });
    expect(await db.query(`select job_key, trigger, status from job_runs`)).toEqual([
      { job_key: 'top_coins_collection', trigger: 'cli', status: 'succeeded' },
    ]);
  }, 60_000);

  it('explains its usage and exits 2 on bad arguments', async () => {
    const cli = spawnSource('src/jobs/job.cli.ts', ['top_coins_collection', '--limit', 'lots'], env());
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain('usage: npm run job -- <job key> [--limit <n>|all]');
  });
});
