import type { NestExpressApplication } from '@nestjs/platform-express';
import { performance } from 'node:perf_hooks';
import { JOB_MODULES } from '../src/app.module.js';
import { CONTRACT_ADDRESSES_JOB } from '../src/collectors/contract-addresses/contract-addresses.job.js';
import { PRICE_GAP_REPAIR_JOB } from '../src/collectors/price-gap-repair/price-gap-repair.job.js';
import { JOB_RUNS_RETENTION_JOB } from '../src/maintenance/job-runs-retention/job-runs-retention.job.js';
import { createApp } from '../src/bootstrap.js';
import { definitionsOf } from '../src/jobs/framework/job-module.js';
import { serializerBench } from './history-serializers.js';
import { load, type LoadResult } from './http-load.js';
import { createBenchDatabase, isTiny, median, ms, percentile, printTable, sized } from './support.js';

const DEFAULT_RUNS = 1_000_000;
const CONNECTIONS = 50;
const TOKEN = 'history-bench-token-0123456789abcdef';
/** Each load phase stops at this many requests or this long, whichever comes first. */
const PHASE = sized({ maxRequests: 20_000, maxMs: 8_000 }, { maxRequests: 200, maxMs: 300 });
const WARM = sized({ maxRequests: 1000, maxMs: 5000 }, { maxRequests: 50, maxMs: 300 });

/** `--runs=N` on the command line, else `BENCH_HISTORY_RUNS`, else a million. */
function runCount(): number {
  const flag = process.argv.find((arg) => arg.startsWith('--runs='));
  const text = flag?.slice('--runs='.length) ?? process.env.BENCH_HISTORY_RUNS;
  if (text === undefined || text === '') return isTiny() ? 2000 : DEFAULT_RUNS;
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`--runs must be a positive integer (got ${text})`);
  return count;
}

const rps = (value: number): string => `${Math.round(value)} req/s`;
const ratio = (value: number, floor: number): string => `${(value / floor).toFixed(2)}×`;
const p99 = (result: LoadResult): number => percentile(result.latenciesMs, 99);

/**
 * The run history at scale (issue 13): `runs` finished runs (default 1,000,000) spread over the registered
 * jobs, inserted by one `generate_series` statement, then the whole service on them: `GET /api/v1/jobs`,
 * `GET /api/v1/jobs/runs?limit=50` and `/metrics`, each against `/health/live` of the same process measured
 * in the same run (the floor: routing, auth-free, no database). The load comes from a worker thread.
 * Targets: /jobs p99 ≤ 20 ms; runs ≥ 0.5× the floor's throughput with p99 < 100 ms at 50 connections; one
 * /metrics scrape ≤ 20 ms. The runs list is measured twice: the same first page on every connection (what the
 * dashboard's tabs poll; identical requests in flight share a read) and fifty different pages (every request
 * its own read), so the table shows what sharing buys and what one read costs.
 */
export async function historyBench(): Promise<void> {
  const runs = runCount();
  const db = await createBenchDatabase();
  let app: NestExpressApplication | undefined;
  try {
    const jobs = definitionsOf(JOB_MODULES);
    // The mix of issue 21: two jobs that never ran, one whose only runs are a year old, the rest share the history.
    // By name, as the issue measured them, not by their place in JOB_MODULES (which changes as jobs are added).
    const never = [PRICE_GAP_REPAIR_JOB.key, JOB_RUNS_RETENTION_JOB.key];
    const stale = CONTRACT_ADDRESSES_JOB.key;
    const keys = jobs.map((job) => job.key).filter((key) => !never.includes(key) && key !== stale);
    let started = performance.now();
    await db.pool.query(
      `insert into job_runs (job_key, job_name, trigger, status, attempts, params, started_at, completed_at,
                             duration_ms, heartbeat_at, owner, items_processed, items_created, items_updated,
                             items_skipped, custom, error)
       select key, key || '(limit=100)', 'schedule', case when failed then 'failed' else 'succeeded' end, 1,
              '{"limit":100}'::jsonb, at, at + interval '1 second', 1000, at + interval '1 second',
              'bench-host:4242:a1b2c3', 100, 1, 2, 97, '{"coins_collected":100,"assets_updated":2}'::jsonb,
              case when failed then 'CoinGecko rate limit (429) on /coins/markets after 5 attempts' end
         from generate_series(1, $1::int) as i,
              lateral (select ($2::text[])[1 + i % cardinality($2::text[])] as key,
                              date_trunc('milliseconds', now() - i * interval '1 second') as at,
                              i % 10 = 0 as failed) as row`,
      [runs, keys],
    );
    await db.pool.query(
      `insert into job_runs (job_key, job_name, trigger, status, attempts, params, started_at, completed_at,
                             duration_ms, heartbeat_at, owner)
       select $1, $1, 'schedule', 'succeeded', 1, '{}'::jsonb, at, at + interval '1 second', 1000,
              at + interval '1 second', 'bench-host:4242:a1b2c3'
         from generate_series(1, 100) as i,
              lateral (select date_trunc('milliseconds', now() - interval '400 days' - i * interval '1 hour') as at) as row`,
      [stale],
    );
    await db.pool.query('vacuum analyze job_runs');
    const seedMs = performance.now() - started;

    ({ app } = await createApp({
      DATABASE_URL: db.url,
      API_TOKENS: TOKEN,
      LOG_LEVEL: 'silent',
      JOBS_CATCH_UP: 'false',
      HOST: '127.0.0.1',
      PORT: '0',
      ...Object.fromEntries(jobs.map((job) => [`${job.envPrefix}_ENABLED`, 'false'])),
    }));
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    if (typeof address !== 'object' || !address) throw new Error('server has no address');
    const base = `http://127.0.0.1:${address.port}`;
    const headers = { authorization: `Bearer ${TOKEN}` };
    const paths = { health: '/health/live', jobs: '/api/v1/jobs', runs: '/api/v1/jobs/runs?limit=50' };

    // Warm-up: JIT, connection pools, PostgreSQL's caches.
    for (const path of Object.values(paths)) {
      await load({ url: `${base}${path}`, headers, connections: 10, ...WARM });
    }
    const at50 = (path: string) =>
      load({ url: `${base}${path}`, headers, connections: CONNECTIONS, ...PHASE });
    const sequential = (path: string) =>
      load({
        url: `${base}${path}`,
        headers,
        connections: 1,
        ...sized({ maxRequests: 500, maxMs: 5000 }, WARM),
      });

    // Fifty different pages, one per connection, reached by following next_cursor as an operator pages back:
    // no two requests in flight ask the same thing, so none share a read (SharedReads) — each costs its own
    // query and JSON text.
    const pages = [`${base}${paths.runs}`];
    while (pages.length < CONNECTIONS) {
      const page = (await (await fetch(pages.at(-1)!, { headers })).json()) as { next_cursor: string | null };
      if (!page.next_cursor) break;
      pages.push(`${base}${paths.runs}&cursor=${encodeURIComponent(page.next_cursor)}`);
    }
    await load({ url: pages[0], urls: pages, headers, connections: 10, ...WARM });

    const healthAt50 = await at50(paths.health);
    const runsAt50 = await at50(paths.runs);
    const pagesAt50 = await load({ url: pages[0], urls: pages, headers, connections: CONNECTIONS, ...PHASE });
    const jobsAt50 = await at50(paths.jobs);
    const healthOne = await sequential(paths.health);
    const jobsOne = await sequential(paths.jobs);

    const scrapes: number[] = [];
    for (let i = 0; i < 5; i++) {
      started = performance.now();
      const response = await fetch(`${base}/metrics`);
      await response.text();
      scrapes.push(performance.now() - started);
    }
    const healthSingle: number[] = [];
    for (let i = 0; i < 5; i++) {
      started = performance.now();
      await (await fetch(`${base}${paths.health}`)).text();
      healthSingle.push(performance.now() - started);
    }
    const errors = [healthAt50, runsAt50, pagesAt50, jobsAt50, healthOne, jobsOne].reduce(
      (sum, r) => sum + r.errors,
      0,
    );
    if (errors > 0) throw new Error(`${errors} requests failed or answered other than 200`);

    printTable(
      `Run history with ${runs.toLocaleString('en-US')} runs (seeded in ${(seedMs / 1000).toFixed(1)} s); ` +
        `${never.join(' and ')} never ran, ${stale} last ran 400 days ago; ` +
        `floor = GET /health/live of the same process in the same run`,
      ['measurement', 'value', 'floor', 'ratio', 'target'],
      [
        ['GET /health/live, 50 connections', rps(healthAt50.throughput), '—', '1.00×', 'the floor'],
        [
          'GET /api/v1/jobs/runs?limit=50, 50 connections',
          rps(runsAt50.throughput),
          rps(healthAt50.throughput),
          ratio(runsAt50.throughput, healthAt50.throughput),
          '≥ 0.5×',
        ],
        [
          'GET /api/v1/jobs/runs?limit=50, 50 connections, p99',
          ms(p99(runsAt50)),
          ms(p99(healthAt50)),
          ratio(p99(runsAt50), p99(healthAt50)),
          '< 100 ms',
        ],
        [
          `runs, ${pages.length} different pages (no shared reads), 50 connections`,
          `${rps(pagesAt50.throughput)}, p99 ${ms(p99(pagesAt50))}`,
          `${rps(healthAt50.throughput)}, p99 ${ms(p99(healthAt50))}`,
          ratio(pagesAt50.throughput, healthAt50.throughput),
          '—',
        ],
        [
          'GET /api/v1/jobs, 1 connection, p99',
          ms(p99(jobsOne)),
          ms(p99(healthOne)),
          ratio(p99(jobsOne), p99(healthOne)),
          '≤ 20 ms',
        ],
        [
          'GET /api/v1/jobs, 50 connections',
          `${rps(jobsAt50.throughput)}, p99 ${ms(p99(jobsAt50))}`,
          `${rps(healthAt50.throughput)}, p99 ${ms(p99(healthAt50))}`,
          ratio(jobsAt50.throughput, healthAt50.throughput),
          '—',
        ],
        [
          'GET /metrics, one scrape (median of 5)',
          ms(median(scrapes)),
          ms(median(healthSingle)),
          ratio(median(scrapes), median(healthSingle)),
          '≤ 20 ms',
        ],
      ],
    );
    await serializerBench(app, db.url);
  } finally {
    await app?.close();
    await db.drop();
  }
}
