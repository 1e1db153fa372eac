import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'retention-expiry-token-0123456789';
const PRUNE = '/api/v1/jobs/prune-job-runs';

/** An alert of `job` in `episode`, created `daysAgo` days ago. */
async function seedAlert(
  db: TestDatabase,
  alert: { job: string; event: string; episode: string; daysAgo: number },
): Promise<void> {
  await db.query(
    `insert into job_alerts (job_key, event, episode, payload, owner, created_at, delivery)
     values ($1, $2, $3, '{}', 'seed', now() - $4::int * interval '1 day', 'delivered')`,
    [alert.job, alert.event, alert.episode, alert.daysAgo],
  );
}

/** A `rate_limit_windows` row whose newest admission (and last update) was `minutesAgo` minutes ago. */
async function seedWindow(
  db: TestDatabase,
  row: { key: string; minutesAgo: number; month?: boolean; heldMinutesAgo?: number },
): Promise<void> {
  const at = `now() - ${row.minutesAgo} * interval '1 minute'`;
  await db.query(
    `insert into rate_limit_windows (key, starts, held_until, month, month_calls, updated_at)
     values ($1, array[floor(extract(epoch from ${at}) * 1000)::bigint - 5000,
                       floor(extract(epoch from ${at}) * 1000)::bigint],
             case when $2::int is not null
                  then floor(extract(epoch from now() - $2::int * interval '1 minute') * 1000)::bigint end,
             case when $3 then date_trunc('month', now() at time zone 'UTC')::date end,
             case when $3 then 42 else 0 end, ${at})`,
    [row.key, row.heldMinutesAgo ?? null, row.month ?? false],
  );
}

const DAY = 24 * 60;

describe('job_runs_retention: alerts and throttle windows', () => {
  let db: TestDatabase;
  let running: RunningApp;
  const prune = async (): Promise<{
    status: string;
    metrics: { items_processed: number; custom: unknown };
  }> => {
    const response = await fetch(`${running.baseUrl}${PRUNE}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(200);
    return (await response.json()) as {
      status: string;
      metrics: { items_processed: number; custom: unknown };
    };
  };
  const alerts = () =>
    db.query<{ job_key: string; event: string; episode: string }>(
      `select job_key, event, episode from job_alerts where owner = 'seed' order by job_key, created_at`,
    );
  const windows = async () =>
    (await db.query<{ key: string }>(`select key from rate_limit_windows order by key`)).map(
      (row) => row.key,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN, JOB_RUNS_RETENTION_DAYS: '30' });
    // alpha: two finished outages (old: deleted) and a current one whose alerts are old too (kept whole:
    // its job_failing still stops a second one, and the recovery needs it).
    await seedAlert(db, { job: 'alpha', event: 'job_failing', episode: 'after:a', daysAgo: 60 });
    await seedAlert(db, { job: 'alpha', event: 'job_recovered', episode: 'after:a', daysAgo: 59 });
    await seedAlert(db, { job: 'alpha', event: 'job_overdue', episode: 'after:b', daysAgo: 45 });
    await seedAlert(db, { job: 'alpha', event: 'job_failing', episode: 'after:c', daysAgo: 40 });
    await seedAlert(db, { job: 'alpha', event: 'job_overdue', episode: 'after:c', daysAgo: 35 });
    // beta: a recent finished outage stays; gamma: its only, very old, alert stays.
    await seedAlert(db, { job: 'beta', event: 'job_failing', episode: 'after:x', daysAgo: 10 });
    await seedAlert(db, { job: 'beta', event: 'job_recovered', episode: 'after:x', daysAgo: 9 });
    await seedAlert(db, { job: 'beta', event: 'job_failing', episode: 'after:y', daysAgo: 2 });
    await seedAlert(db, { job: 'gamma', event: 'job_failing', episode: 'after:none', daysAgo: 400 });

    await seedWindow(db, { key: 'trigger:stale', minutesAgo: 2 * DAY });
    await seedWindow(db, { key: 'trigger:ip:10.0.0.1', minutesAgo: DAY + 2 });
    // Its window (a minute) ended less than a day ago.
    await seedWindow(db, { key: 'trigger:recent', minutesAgo: DAY - 2 });
    await seedWindow(db, { key: 'trigger:live', minutesAgo: 0 });
    // The CoinGecko limiter's rows: month totals, a hold, or just an old window — never throttle rows.
    await seedWindow(db, { key: 'coingecko', minutesAgo: 40 * DAY, month: true });
    await seedWindow(db, { key: 'coingecko-held', minutesAgo: 40 * DAY, heldMinutesAgo: 30 * DAY });
    await seedWindow(db, { key: 'coingecko-idle', minutesAgo: 40 * DAY });
    // A trigger key that carries a month total or a hold is not a throttle window: kept.
    await seedWindow(db, { key: 'trigger:odd-month', minutesAgo: 40 * DAY, month: true });
    await seedWindow(db, { key: 'trigger:odd-held', minutesAgo: 40 * DAY, heldMinutesAgo: 30 * DAY });
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('deletes old alerts except each job’s latest episode, and throttle windows that ended over a day ago', async () => {
    const result = await prune();
    expect(result.status).toBe('succeeded');
    expect(result.metrics.custom).toEqual({ runs_deleted: 0, alerts_deleted: 3, windows_deleted: 2 });
    expect(result.metrics.items_processed).toBe(5);
    expect(await alerts()).toEqual([
      { job_key: 'alpha', event: 'job_failing', episode: 'after:c' },
      { job_key: 'alpha', event: 'job_overdue', episode: 'after:c' },
      { job_key: 'beta', event: 'job_failing', episode: 'after:x' },
      { job_key: 'beta', event: 'job_recovered', episode: 'after:x' },
      { job_key: 'beta', event: 'job_failing', episode: 'after:y' },
      { job_key: 'gamma', event: 'job_failing', episode: 'after:none' },
    ]);
    // The trigger of this test took a fresh window under its own token's key (`trigger:static:<hash>`).
    expect((await windows()).filter((key) => !key.startsWith('trigger:static:'))).toEqual([
      'coingecko',
      'coingecko-held',
      'coingecko-idle',
      'trigger:live',
      'trigger:odd-held',
      'trigger:odd-month',
      'trigger:recent',
    ]);
    expect(await db.query(`select month_calls from rate_limit_windows where key = 'coingecko'`)).toEqual([
      { month_calls: '42' },
    ]);
    const again = await prune();
    expect(again.metrics.custom).toEqual({ runs_deleted: 0, alerts_deleted: 0, windows_deleted: 0 });
  });

  it('keeps every alert with JOB_RUNS_RETENTION_DAYS=0, and still expires throttle windows', async () => {
    await running.close();
    running = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN, JOB_RUNS_RETENTION_DAYS: '0' });
    await seedAlert(db, { job: 'beta', event: 'job_failing', episode: 'after:old', daysAgo: 3000 });
    await seedWindow(db, { key: 'trigger:stale-again', minutesAgo: 3 * DAY });
    const before = await alerts();
    const result = await prune();
    expect(result.metrics.custom).toEqual({ runs_deleted: 0, alerts_deleted: 0, windows_deleted: 1 });
    expect(await alerts()).toEqual(before);
    expect(await windows()).not.toContain('trigger:stale-again');
  });
});
