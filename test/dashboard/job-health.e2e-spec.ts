import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/jobs/clock.js';
import { JobHealthService } from '../../src/jobs/job-health.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createMigratedOrm, createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'job-health-test-token-0123456789abcdef';
const NOW = new Date('2026-12-01T12:00:00.000Z');
const clock: Clock = { now: () => NOW };
const at = (hoursBefore: number) => new Date(NOW.getTime() - hoursBefore * 3_600_000).toISOString();

describe('job health from the run history (real PostgreSQL)', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let health: JobHealthService;

  /** One finished run of `job`, `hoursBefore` now, lasting a minute. */
  const run = async (job: string, status: string, hoursBefore: number) => {
    await db.query(
      `insert into job_runs (job_key, job_name, trigger, status, attempts, started_at, completed_at, duration_ms,
                             heartbeat_at, owner, error)
       values ($1, $1, 'manual', $2, 1, $3::timestamptz, $3::timestamptz + interval '1 minute', 60000, now(), 'test',
               case when $2 = 'failed' then 'boom' end)`,
      [job, status, at(hoursBefore)],
    );
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await createMigratedOrm(db.url, 2);
    health = new JobHealthService(orm, clock);
    // a: fine. b: failed twice since its success. c: never succeeded, failed once. d: succeeded long ago.
    // e: a failure, then a success (recovered), then a skipped slot. f: no runs at all.
    await run('a', 'failed', 30);
    await run('a', 'succeeded', 3);
    await run('b', 'succeeded', 10);
    await run('b', 'failed', 5);
    await run('b', 'abandoned', 4);
    await run('b', 'failed', 3);
    await run('c', 'failed', 1);
    await run('d', 'succeeded', 100);
    await run('e', 'failed', 6);
    await run('e', 'succeeded', 5);
    await run('e', 'skipped', 4);
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('counts the failed runs since the last success and when the streak began, per job, in one query', async () => {
    const facts = await health.facts(['a', 'b', 'c', 'd', 'e', 'f']);
    const success = (hours: number) => new Date(new Date(at(hours)).getTime() + 60_000);
    expect(facts.get('a')).toEqual({ lastSuccessAt: success(3), consecutiveFailures: 0, failingSince: null });
    expect(facts.get('b')).toEqual({
      lastSuccessAt: success(10),
      consecutiveFailures: 2,
      failingSince: new Date(at(5)),
    });
    expect(facts.get('c')).toEqual({
      lastSuccessAt: null,
      consecutiveFailures: 1,
      failingSince: new Date(at(1)),
    });
    expect(facts.get('e')).toMatchObject({ consecutiveFailures: 0, failingSince: null });
    expect(facts.get('f')).toEqual({ lastSuccessAt: null, consecutiveFailures: 0, failingSince: null });
  });

  it('judges each job against its schedule', async () => {
    const views = await health.assess([
      { key: 'a', schedule: '0 0 * * * *', enabled: true },
      { key: 'b', schedule: '0 0 * * * *', enabled: true },
      { key: 'c', schedule: '0 0 * * * *', enabled: true },
      { key: 'd', schedule: '0 0 0 * * *', enabled: true },
      { key: 'e', schedule: '0 0 0 * * *', enabled: true },
      { key: 'f', schedule: '0 0 0 * * *', enabled: true },
    ]);
    expect(Object.fromEntries([...views].map(([key, view]) => [key, view.state]))).toEqual({
      a: 'late', // hourly, last success about 3 h ago: more than 2× the interval
      b: 'failing',
      c: 'failing',
      d: 'late',
      e: 'healthy', // daily, recovered 5 h ago; the skipped slot after it changes nothing
      f: 'unknown',
    });
    expect(views.get('b')).toMatchObject({ consecutive_failures: 2, failing_since: at(5) });
  });
});

describe('GET /api/v1/jobs carries each job’s health', () => {
  let db: TestDatabase;
  let running: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN });
    await db.query(
      `insert into job_runs (job_key, job_name, trigger, status, attempts, started_at, completed_at, duration_ms,
                             heartbeat_at, owner, error)
       values ('price_collection', 'price_collection(limit=100)', 'manual', 'failed', 1, now() - interval '1 minute',
               now(), 60000, now(), 'test', 'CoinGecko answered 503')`,
    );
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('answers the health object beside each job', async () => {
    const response = await fetch(`${running.baseUrl}/api/v1/jobs`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(200);
    const jobs = (await response.json()) as Array<{ key: string; health: Record<string, unknown> }>;
    const byKey = new Map(jobs.map((job) => [job.key, job.health]));
    expect(byKey.get('price_collection')).toMatchObject({
      state: 'failing',
      consecutive_failures: 1,
      last_success_at: null,
    });
    expect(byKey.get('top_coins_collection')).toEqual({
      state: 'unknown',
      consecutive_failures: 0,
      last_success_at: null,
      failing_since: null,
      late_after: null,
    });
  });
});
