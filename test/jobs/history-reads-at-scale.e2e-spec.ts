import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_MODULES } from '../../src/app.module.js';
import { definitionsOf } from '../../src/jobs/framework/job-module.js';
import { JOB_RUN_STATUSES } from '../../src/jobs/job-run.entity.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/*
 * The reads an operator's tools repeat all day (GET /jobs, the history and its filters, the usage route, a
 * Prometheus scrape) must cost the same at any history size. Timing them would race the machine, so this
 * counts work instead: every statement the service sends while answering is captured on its way to
 * PostgreSQL and replayed under EXPLAIN (ANALYZE, BUFFERS) against a history of RUNS rows. A statement that
 * scans a job's history reads thousands of pages here; one that probes an index reads a handful.
 */

const RUNS = 60_000;
/** Pages one statement may touch: index probes and a page of results need tens; any scan of the history, thousands. */
const MAX_PAGES = 250;
const TOKEN = 'scale-test-admin-token-0123456789abcdef';

interface Captured {
  text: string;
  values: unknown[];
}

interface PlanNode {
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
}

describe('history reads at scale', () => {
  let db: TestDatabase;
  let running: RunningApp;
  const jobs = definitionsOf(JOB_MODULES).map((job) => job.key);
  // Two registered jobs never ran and one ran only long ago: "its latest run" and "its latest success" must be
  // probes that find nothing (or find the old run), not a walk of the newer history.
  const never = jobs.slice(-2);
  const stale = jobs.at(-3) as string;
  const seeded = jobs.slice(0, -3);
  // One job never ran through: each of its runs was skipped (its dependency never succeeded). Asked for its
  // successes, the read must probe `(job_key, status, …)` and find none, not walk the whole history by time
  // filtering both, which is the plan the planner picks when it takes job and status to be independent.
  const skipping = seeded.at(-1) as string;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN });
    // Every fifth run of each job failed, one in a hundred was cancelled.
    await db.query(
      `insert into job_runs (job_key, job_name, trigger, status, attempts, params, started_at, completed_at,
                             duration_ms, heartbeat_at, owner, items_processed, items_created, items_updated,
                             items_skipped, custom, error)
       select key, key, 'schedule', status, 1, '{"limit":100}'::jsonb, at, at + interval '1 second', 1000,
              at + interval '1 second', 'scale-test', 100, 1, 2, 97, '{}'::jsonb,
              case when status = 'failed' then 'upstream failed' end
         from generate_series(1, $1::int) as i,
              lateral (select ($2::text[])[1 + i % cardinality($2::text[])] as key,
                              now() - i * interval '1 second' as at) as k,
              -- By each job's own run number (i / jobs), so every job gets the mix whatever the number of jobs.
              lateral (select case when k.key = $3 then 'skipped'
                                   when (i / cardinality($2::text[])) % 5 = 0 then 'failed'
                                   when (i / cardinality($2::text[])) % 100 = 1 then 'cancelled'
                                   else 'succeeded' end as status) as s`,
      [RUNS, seeded, skipping],
    );
    await db.query(
      `insert into job_runs (job_key, job_name, trigger, status, attempts, params, started_at, completed_at,
                             duration_ms, heartbeat_at, owner)
       select $1, $1, 'schedule', 'succeeded', 1, '{}'::jsonb, at, at + interval '1 second', 1000,
              at + interval '1 second', 'scale-test'
         from generate_series(1, 20) as i,
              lateral (select now() - interval '400 days' - i * interval '1 hour' as at) as k`,
      [stale],
    );
    await db.query('vacuum analyze job_runs');
  }, 120_000);

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  /** What the service sends to PostgreSQL while `request` runs (every pg client in this process goes through here). */
  async function statementsOf(request: () => Promise<Response>): Promise<Captured[]> {
    const captured: Captured[] = [];
    const original = pg.Client.prototype.query;
    // pg's query() has a dozen overloads; the capture only reads the (text, values) form Kysely uses.
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [first, second] = args;
      if (typeof first === 'string')
        captured.push({ text: first, values: Array.isArray(second) ? second : [] });
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      const response = await request();
      expect(response.status, await response.clone().text()).toBe(200);
      await response.arrayBuffer();
    } finally {
      pg.Client.prototype.query = original;
    }
    return captured.filter(({ text }) => /\bjob_runs\b/.test(text) && /^\s*(select|with)\b/i.test(text));
  }

  async function pagesRead(statement: Captured): Promise<number> {
    const [row] = await db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      `explain (analyze, buffers, format json) ${statement.text}`,
      statement.values,
    );
    const plan = row['QUERY PLAN'][0].Plan;
    return (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
  }

  const get = (path: string) =>
    fetch(`${running.baseUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });

  const routes = [
    '/api/v1/jobs',
    '/api/v1/jobs/runs?limit=50',
    '/api/v1/coingecko/usage',
    '/metrics',
    ...JOB_RUN_STATUSES.map((status) => `/api/v1/jobs/runs?status=${status}&limit=50`),
    ...JOB_RUN_STATUSES.map((status) => `/api/v1/jobs/runs?job=${jobs[0]}&status=${status}&limit=50`),
    ...[...never, stale].map((job) => `/api/v1/jobs/runs?job=${job}&limit=50`),
    `/api/v1/jobs/runs?job=${skipping}&status=succeeded&limit=50`,
  ];

  it.each(routes)('GET %s reads a bounded number of pages whatever the history size', async (path) => {
    const statements = await statementsOf(() => get(path));
    expect(statements.length, 'statements on job_runs').toBeGreaterThan(0);
    for (const statement of statements) {
      const pages = await pagesRead(statement);
      expect(pages, `${pages} pages read by:\n${statement.text}`).toBeLessThanOrEqual(MAX_PAGES);
    }
  });

  // The per-job probes must not depend on the planner's estimate of how many runs a key has. When it believes
  // one key holds most of the history (one job's runs dominate it, or the statistics are stale), walking
  // `(started_at, id)` backwards looks like it finds any key's newest run within a few rows; for a job that
  // never ran, or ran only long ago, that walk reads the whole history.
  it.each(['/api/v1/jobs', '/api/v1/coingecko/usage', '/metrics'])(
    'GET %s stays a probe per job when the planner believes one job holds the whole history',
    async (path) => {
      await db.query('alter table job_runs alter column job_key set (n_distinct = 1)');
      await db.query('analyze job_runs');
      try {
        for (const statement of await statementsOf(() => get(path))) {
          const pages = await pagesRead(statement);
          expect(pages, `${pages} pages read by:\n${statement.text}`).toBeLessThanOrEqual(MAX_PAGES);
        }
      } finally {
        await db.query('alter table job_runs alter column job_key reset (n_distinct)');
        await db.query('analyze job_runs');
      }
    },
  );

  it('the bound tells a scan from a probe at this size', async () => {
    // The same EXPLAIN over a statement that does read the history: if this ever fits the bound, the
    // history above is too small to tell a scan from a probe and the test would pass anything.
    const pages = await pagesRead({ text: `select count(*) from job_runs where error is null`, values: [] });
    expect(pages).toBeGreaterThan(MAX_PAGES * 4);
  });
});
