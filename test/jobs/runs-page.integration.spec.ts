import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobRunDto, JobRunPageDto } from '../../src/jobs/dto/job-views.dto.js';
import { JobRunsReadRepository } from '../../src/jobs/history/job-runs.read-repository.js';
import { runCursor } from '../../src/jobs/history/run-cursor.js';
import { toRunView } from '../../src/jobs/history/run-view.js';
import type { JobRunStatus } from '../../src/jobs/job-run.entity.js';
import { JobsService } from '../../src/jobs/jobs.service.js';
import { createMigratedOrm, createTestDatabase, type TestDatabase } from '../support/database.js';

/*
 * GET /jobs/runs writes its page as JSON text straight from packed rows (src/jobs/history/run-page.ts).
 * It must answer byte for byte what the service answered before: JSON.stringify of toRunView over the view
 * columns, the cursor included. Both are computed here from the same database and the same clock, over
 * every kind of run and value the writer handles differently.
 */

const NOW = Date.parse('2026-11-28T12:00:00.000Z');

interface Query {
  job?: string;
  status?: JobRunStatus;
  limit?: number;
  cursor?: string;
}

/** The service's listRuns before the page writer, verbatim. */
async function viewPage(history: JobRunsReadRepository, query: Query): Promise<JobRunPageDto> {
  const limit = query.limit ?? 50;
  const before = query.cursor === undefined ? undefined : runCursor.decode(query.cursor);
  const rows = await history.list({ jobKey: query.job, status: query.status, limit: limit + 1, before });
  const more = rows.length > limit;
  const count = more ? limit : rows.length;
  const items = new Array<JobRunDto>(count);
  for (let index = 0; index < count; index += 1) items[index] = toRunView(rows[index], NOW);
  const last = rows[count - 1];
  return {
    items,
    next_cursor: more && last ? runCursor.encode({ startedAt: last.started_at, id: last.id }) : null,
  };
}

// job_key, job_name, status, started_at, completed_at, duration_ms, scheduled_for, params, custom, progress, error, owner
type Seed = [
  string,
  string,
  JobRunStatus,
  string,
  string | null,
  number | null,
  string | null,
  string,
  string,
  string | null,
  string | null,
  string,
];

const SEEDS: Seed[] = [
  // The plain cases: a finished run of each outcome, with and without an error.
  [
    'top_coins',
    'top_coins(limit=100)',
    'succeeded',
    '2026-11-28T00:00:00.012Z',
    '2026-11-28T00:00:05.444Z',
    5432,
    '2026-11-28T00:00:00Z',
    '{"limit":100}',
    '{"coins_collected":100,"assets_updated":3}',
    null,
    null,
    'w-1:42:a1',
  ],
  [
    'top_coins',
    'top_coins(limit=100)',
    'failed',
    '2026-11-28T01:00:00.000Z',
    '2026-11-28T01:00:01.000Z',
    1000,
    '2026-11-28T01:00:00Z',
    '{"limit":100}',
    '{}',
    null,
    'CoinGecko rate limit (429) on /coins/markets after 5 attempts',
    'w-1:42:a1',
  ],
  [
    'prices',
    'prices',
    'cancelled',
    '2026-11-28T02:00:00.5Z',
    '2026-11-28T02:00:09.25Z',
    8750,
    null,
    '{}',
    '{"prices_written":7}',
    '{"done":500,"total":1000,"updated_at":"2026-11-28T02:00:09.000Z"}',
    'cancelled by api-token#1',
    'w-2:7:b2',
  ],
  [
    'prices',
    'prices',
    'abandoned',
    '2026-11-28T03:00:00Z',
    '2026-11-28T03:10:00Z',
    600000,
    null,
    '{}',
    '{}',
    null,
    'run abandoned: its owner stopped heartbeating',
    'w-2:7:b2',
  ],
  [
    'prices',
    'prices',
    'skipped',
    '2026-11-28T03:30:00Z',
    '2026-11-28T03:30:00Z',
    0,
    '2026-11-28T03:30:00Z',
    '{}',
    '{}',
    null,
    '',
    'w-2:7:b2',
  ],
  // Still going: no duration (measured up to the clock), no completion, microseconds in the start time.
  [
    'contracts',
    'contracts(batch=50)',
    'running',
    '2026-11-28T11:59:30.123456Z',
    null,
    null,
    null,
    '{"batch":50}',
    '{"checked":12}',
    '{"done":12,"total":null,"updated_at":"2026-11-28T11:59:59.999Z"}',
    null,
    'w-3:9:c3',
  ],
  [
    'waiting',
    'waiting(batch=50)',
    'queued',
    '2026-11-28T11:59:31.999999Z',
    null,
    null,
    null,
    '{"batch":50}',
    '{}',
    null,
    null,
    'w-3:9:c3',
  ],
  // Started after the clock's now: a running duration never goes below 0.
  [
    'gaps',
    'gaps',
    'running',
    '2026-11-28T12:00:01.000Z',
    null,
    null,
    null,
    '{}',
    '{}',
    null,
    null,
    'w-4:1:d4',
  ],
  // Values the JSON writer must escape or normalise as JSON.stringify does.
  [
    'gaps',
    'label "quoted" \\ back\nline\ttab \u0001 \u001f \u007f \u2028 é 😀',
    'failed',
    '2026-11-27T23:59:59.999500Z',
    '2026-11-28T00:00:00.001Z',
    2,
    null,
    '{"b":1,"a":[1,2.5,-3,1e21,1.50,0.0000001,12345678901234567890,-0],"10":true,"2":null,"__proto__":{"x":"y"}}',
    '{"nested":{"deep":[{"k":"v \\" \\\\ \\n \\u0001 \\u00e9 é"}]},"": "empty key","num":1E2}',
    '{"done":0,"total":0,"updated_at":"x"}',
    'boom: "quoted" \\ \n \u0001 😀',
    'owner "q" \\ \u2029',
  ],
  // Before 1970 the fraction counts back from the second; the earliest and latest years either way writes.
  [
    'old',
    'old',
    'succeeded',
    '1969-12-31T23:59:58.499600Z',
    '1970-01-01T00:00:00.000Z',
    1500,
    '1969-12-31T23:59:00Z',
    '{}',
    '{}',
    null,
    null,
    'w-5',
  ],
  [
    'old',
    'old',
    'succeeded',
    '0001-01-01T00:00:00.000001Z',
    '0001-01-01T00:00:00.999Z',
    998,
    '0001-01-01T00:00:00Z',
    '{}',
    '{}',
    null,
    null,
    'w-5',
  ],
  [
    'old',
    'old',
    'succeeded',
    '9999-12-31T23:59:59.999999Z',
    '9999-12-31T23:59:59.999999Z',
    0,
    null,
    '{}',
    '{}',
    null,
    null,
    'w-5',
  ],
];

/** Runs only the view columns can write (years outside 1–9999, infinity): the page falls back to them. */
const ODD_SEEDS: Seed[] = [
  [
    'odd',
    'odd',
    'succeeded',
    '2026-11-28T05:00:00Z',
    '10000-01-01T00:00:00Z',
    1,
    null,
    '{}',
    '{}',
    null,
    null,
    'w-6',
  ],
  ['odd', 'odd', 'succeeded', '2026-11-28T06:00:00Z', 'infinity', 1, null, '{}', '{}', null, null, 'w-6'],
  [
    'odd',
    'odd',
    'failed',
    '2026-11-28T07:00:00Z',
    '2026-11-28T07:00:01Z',
    1,
    '0044-03-15 12:00:00+00 BC',
    '{}',
    '{}',
    null,
    'x',
    'w-6',
  ],
];

describe('GET /jobs/runs page writer', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let history: JobRunsReadRepository;
  let service: JobsService;

  const insert = async (seeds: Seed[]) => {
    for (const [
      key,
      name,
      status,
      startedAt,
      completedAt,
      duration,
      slot,
      params,
      custom,
      progress,
      error,
      owner,
    ] of seeds) {
      await db.query(
        `insert into job_runs (job_key, job_name, trigger, status, attempts, params, started_at, completed_at, duration_ms,
                               heartbeat_at, owner, items_processed, items_created, items_updated, items_skipped, custom,
                               progress, error, scheduled_for, queued_at)
         values ($1, $2, case when $11::timestamptz is null then 'manual' else 'schedule' end, $3, 2, $4::jsonb, $5, $6, $7,
                 coalesce($6, $5::timestamptz + interval '1.5 seconds'), $12, 100, -1, 2147483647, 0, $8::jsonb, $9::jsonb,
                 $10, $11,
                 -- A queued run, and the running ones, waited for a slot (a running one since before it started).
                 case when $3 in ('queued', 'running') then $5::timestamptz - interval '2.000500 seconds' end)`,
        [key, name, status, params, startedAt, completedAt, duration, custom, progress, error, slot, owner],
      );
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await createMigratedOrm(db.url);
    history = new JobRunsReadRepository(orm);
    const clock = { now: () => new Date(NOW) };
    service = new JobsService(undefined as never, history, undefined as never, undefined as never, clock);
    await insert(SEEDS);
    await insert(ODD_SEEDS);
    // Enough of one job for several pages of every size, with ties on started_at broken by id.
    await db.query(
      `insert into job_runs (job_key, job_name, trigger, status, attempts, params, started_at, completed_at, duration_ms,
                             heartbeat_at, owner, custom)
       select 'bulk', 'bulk', 'schedule', case when i % 7 = 0 then 'failed' else 'succeeded' end, 1, '{"limit":100}',
              timestamptz '2026-11-20T00:00:00Z' + (i / 3) * interval '1.000123 seconds',
              timestamptz '2026-11-20T00:00:01Z' + i * interval '1 second', 1000,
              timestamptz '2026-11-20T00:00:01Z' + i * interval '1 second', 'bulk-owner', jsonb_build_object('i', i)
         from generate_series(1, 250) as i`,
    );
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  /** Every page of `query`, following next_cursor, checked against the view path page by page. */
  async function expectSamePages(query: Query): Promise<number> {
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = { ...query, cursor };
      const text = await service.listRuns(page);
      const expected = JSON.stringify(await viewPage(history, page));
      expect(text).toBe(expected);
      cursor = (JSON.parse(text) as JobRunPageDto).next_cursor ?? undefined;
      pages += 1;
    } while (cursor !== undefined && pages < 300);
    return pages;
  }

  it('writes every kind of run exactly as JSON.stringify(toRunView(…)) did, cursor included', async () => {
    const list = vi.spyOn(history, 'list');
    for (const job of ['top_coins', 'prices', 'contracts', 'waiting', 'gaps', 'old']) {
      for (const limit of [1, 2, 3, 50]) await expectSamePages({ job, limit });
    }
    for (const status of [
      'running',
      'queued',
      'failed',
      'succeeded',
      'cancelled',
      'abandoned',
      'skipped',
    ] as const) {
      await expectSamePages({ status, limit: 2 });
    }
    // Only the comparison above read the view columns: the service wrote every page itself.
    const calls = list.mock.calls.length;
    list.mockClear();
    await service.listRuns({ job: 'gaps' });
    expect(list).not.toHaveBeenCalled();
    expect(calls).toBeGreaterThan(0);
    list.mockRestore();
  });

  it('shows a running run its duration up to the injected clock, and queued runs none', async () => {
    const page = JSON.parse(await service.listRuns({ job: 'contracts' })) as JobRunPageDto;
    const queued = JSON.parse(await service.listRuns({ status: 'queued' })) as JobRunPageDto;
    expect(
      [...page.items, ...queued.items].map((run) => [
        run.status,
        run.duration_ms,
        run.started_at,
        run.completed_at,
      ]),
    ).toEqual([
      ['running', 29_877, '2026-11-28T11:59:30.123Z', null],
      ['queued', 0, '2026-11-28T11:59:31.999Z', null],
    ]);
    const early = JSON.parse(await service.listRuns({ job: 'gaps', status: 'running' })) as JobRunPageDto;
    expect(early.items.map((run) => run.duration_ms)).toEqual([0]);
  });

  it('shows when a run began waiting for a slot (queued_at), null for a run that never queued', async () => {
    const page = JSON.parse(await service.listRuns({ limit: 200 })) as JobRunPageDto;
    const waited = page.items.filter((run) => run.queued_at !== null);
    expect(waited.map((run) => [run.job_key, run.status, run.queued_at])).toEqual([
      ['gaps', 'running', '2026-11-28T11:59:58.999Z'],
      ['waiting', 'queued', '2026-11-28T11:59:29.999Z'],
      ['contracts', 'running', '2026-11-28T11:59:28.122Z'],
    ]);
    expect(page.items.filter((run) => run.queued_at === null).length).toBeGreaterThan(200 - 4);
    const run = waited[1];
    expect((await service.getRun(run.run_id)).queued_at).toBe(run.queued_at);
  });

  it('writes a run anew once it changes, and a running run anew at every clock', async () => {
    await expectSamePages({ job: 'top_coins' });
    await db.query(
      `update job_runs set custom = '{"coins_collected":99}', error = 'changed', items_processed = 99
        where job_key = 'top_coins' and status = 'succeeded'`,
    );
    await expectSamePages({ job: 'top_coins' });
    const later = new JobsService(undefined as never, history, undefined as never, undefined as never, {
      now: () => new Date(NOW + 5000),
    });
    const durations = async (of: JobsService) =>
      (JSON.parse(await of.listRuns({ job: 'contracts' })) as JobRunPageDto).items.map(
        (run) => run.duration_ms,
      );
    expect(await durations(service)).toEqual([29_877]);
    expect(await durations(later)).toEqual([34_877]);
    expect(await durations(service)).toEqual([29_877]);
  });

  it('pages through the whole history, filtered or not, at every page size', async () => {
    expect(await expectSamePages({ job: 'bulk', limit: 7 })).toBe(36);
    await expectSamePages({ job: 'bulk', limit: 200 });
    await expectSamePages({ limit: 13 });
    await expectSamePages({});
    await expectSamePages({ status: 'failed', limit: 5 });
  });

  it('falls back to the view columns for times outside years 1–9999, answering what they answered', async () => {
    const list = vi.spyOn(history, 'list');
    await expectSamePages({ job: 'odd', limit: 1 });
    await expectSamePages({ job: 'odd' });
    await expectSamePages({ limit: 200 });
    const page = JSON.parse(await service.listRuns({ job: 'odd' })) as JobRunPageDto;
    expect(page.items.map((run) => run.completed_at)).toEqual([
      '2026-11-28T07:00:01.000Z',
      null,
      '10000-01-01T00:00:00.000Z',
    ]);
    expect(list).toHaveBeenCalled();
    list.mockRestore();
  });
});
