import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunsRetentionRepository } from '../../src/maintenance/job-runs-retention/job-runs-retention.repository.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'retention-token-0123456789abcdef';
const PRUNE = '/api/v1/jobs/prune-job-runs';

/** Inserts `count` runs of `job` with `status`, the first started `daysAgo` days ago, one second apart. */
async function seed(
  db: TestDatabase,
  run: { job: string; status: string; daysAgo: number; count?: number },
): Promise<void> {
  const finished = !['running', 'queued'].includes(run.status);
  // A running or queued run is alive: its heartbeat is fresh, or the stale-run sweep would abandon it mid-test.
  await db.query(
    `insert into job_runs (job_key, job_name, trigger, status, attempts, params, started_at, completed_at,
                           duration_ms, heartbeat_at, owner)
     select $1, $1, 'schedule', $2, 1, '{}', at, case when $3 then at + interval '1 second' end,
            case when $3 then 1000 end, case when $3 then at else now() end, 'seed'
       from generate_series(1, $4::int) as i,
            lateral (select date_trunc('milliseconds', now() - $5::int * interval '1 day' - i * interval '1 second') as at) t`,
    [run.job, run.status, finished, run.count ?? 1, run.daysAgo],
  );
}

const countOf = async (db: TestDatabase, where: string): Promise<number> =>
  Number((await db.query<{ n: string }>(`select count(*) as n from job_runs where ${where}`))[0].n);

describe('job_runs_retention', () => {
  let db: TestDatabase;
  let running: RunningApp;
  const prune = (body = '{}') =>
    fetch(`${running.baseUrl}${PRUNE}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body,
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN, JOB_RUNS_RETENTION_DAYS: '30' });
    // 12,000 old failures (three batches), an old success and the even older one it supersedes.
    await seed(db, { job: 'alpha', status: 'failed', daysAgo: 40, count: 12_000 });
    await seed(db, { job: 'alpha', status: 'succeeded', daysAgo: 100 });
    await seed(db, { job: 'alpha', status: 'succeeded', daysAgo: 200 });
    await seed(db, { job: 'alpha', status: 'failed', daysAgo: 5, count: 3 });
    // beta's only success is old: it stays, like old running and queued runs and everything recent.
    await seed(db, { job: 'beta', status: 'succeeded', daysAgo: 300 });
    await seed(db, { job: 'beta', status: 'skipped', daysAgo: 31 });
    await seed(db, { job: 'beta', status: 'abandoned', daysAgo: 29 });
    await seed(db, { job: 'gamma', status: 'running', daysAgo: 100 });
    await seed(db, { job: 'delta', status: 'queued', daysAgo: 100 });
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('deletes at most the batch size per statement', async () => {
    const deleted = await running.app.get(JobRunsRetentionRepository).deleteBatch({ days: 30, batchSize: 2 });
    expect(deleted).toBe(2);
    // Oldest first: the superseded success (200 days), then the oldest failure.
    expect(await countOf(db, `job_key = 'alpha' and status = 'succeeded'`)).toBe(1);
    expect(await countOf(db, `job_key = 'alpha' and status = 'failed'`)).toBe(12_002);
  });

  it('refuses a limit: the body is {}', async () => {
    const response = await prune('{"limit":1}');
    expect(response.status).toBe(400);
    expect(await countOf(db, `job_key = 'job_runs_retention'`)).toBe(0);
  });

  it('deletes finished runs older than the retention, keeping running, queued and each latest success', async () => {
    const response = await prune();
    expect(response.status).toBe(200);
    const result = (await response.json()) as {
      status: string;
      job_name: string;
      metrics: { items_processed: number; custom: Record<string, unknown> };
    };
    // The 11,999 old failures left and beta's old skipped run.
    expect(result).toMatchObject({ status: 'succeeded', job_name: 'job_runs_retention' });
    expect(result.metrics.custom).toEqual({ runs_deleted: 12_000, alerts_deleted: 0, windows_deleted: 0 });
    expect(result.metrics.items_processed).toBe(12_000);
    const left = await db.query<{ job_key: string; status: string; days: number }>(
      `select job_key, status, floor(extract(epoch from now() - started_at) / 86400)::int as days
         from job_runs where job_key <> 'job_runs_retention' order by job_key, started_at`,
    );
    expect(left).toEqual([
      { job_key: 'alpha', status: 'succeeded', days: 100 },
      { job_key: 'alpha', status: 'failed', days: 5 },
      { job_key: 'alpha', status: 'failed', days: 5 },
      { job_key: 'alpha', status: 'failed', days: 5 },
      { job_key: 'beta', status: 'succeeded', days: 300 },
      { job_key: 'beta', status: 'abandoned', days: 29 },
      { job_key: 'delta', status: 'queued', days: 100 },
      { job_key: 'gamma', status: 'running', days: 100 },
    ]);
    // A second run finds nothing more to delete.
    const again = (await (await prune()).json()) as { metrics: { custom: Record<string, unknown> } };
    expect(again.metrics.custom).toEqual({ runs_deleted: 0, alerts_deleted: 0, windows_deleted: 0 });
  });

  it('keeps everything with JOB_RUNS_RETENTION_DAYS=0', async () => {
    await running.close();
    running = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN, JOB_RUNS_RETENTION_DAYS: '0' });
    await seed(db, { job: 'alpha', status: 'failed', daysAgo: 3000 });
    const before = await countOf(db, `job_key <> 'job_runs_retention'`);
    const response = await prune();
    expect(response.status).toBe(200);
    expect(((await response.json()) as { metrics: { custom: unknown } }).metrics.custom).toEqual({
      runs_deleted: 0,
      alerts_deleted: 0,
      windows_deleted: 0,
    });
    expect(await countOf(db, `job_key <> 'job_runs_retention'`)).toBe(before);
  });
});
