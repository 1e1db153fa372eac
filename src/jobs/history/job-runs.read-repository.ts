import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { JobRunStatus } from '../job-run.entity.js';
import type { RunCursor } from './run-cursor.js';
import { PAGE_COLUMNS, type RunPageRow } from './run-page.js';
import type { RunViewRow } from './run-view.js';

export interface RunHistoryQuery {
  jobKey?: string;
  status?: JobRunStatus;
  limit: number;
  /** Keyset position: the `(started_at, id)` of the last row of the previous page. */
  before?: RunCursor;
}

const msUtc = (column: string): string =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const usUtc = (column: string): string =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** What a run view shows, and nothing else (no cancel or queue bookkeeping), in its wire shape. */
const VIEW_COLUMNS =
  sql.raw(`r.id, r.job_key, r.job_name, r.trigger, ${msUtc('r.scheduled_for')} as scheduled_for,
  r.status, r.attempts, r.params, ${usUtc('r.started_at')} as started_at, ${msUtc('r.completed_at')} as completed_at,
  r.duration_ms, ${msUtc('r.heartbeat_at')} as heartbeat_at, ${msUtc('r.queued_at')} as queued_at, r.owner, r.items_processed, r.items_created,
  r.items_updated, r.items_skipped, r.custom, r.progress, r.error`);

const and = (conditions: RawBuilder<unknown>[]): RawBuilder<unknown> =>
  conditions.length === 0 ? sql`true` : sql.join(conditions, sql` and `);

function historyFilter(query: RunHistoryQuery): RawBuilder<unknown> {
  const filters: RawBuilder<unknown>[] = [];
  if (query.jobKey !== undefined) filters.push(sql`r.job_key = ${query.jobKey}`);
  if (query.status !== undefined) filters.push(sql`r.status = ${query.status}`);
  if (query.before) {
    filters.push(
      sql`(r.started_at, r.id) < (${query.before.startedAt}::timestamptz, ${query.before.id}::uuid)`,
    );
  }
  return and(filters);
}

/**
 * The reads of the run history (the API, the dashboard, `/metrics`). Every query is one index range or
 * one index probe per job, whatever the size of the history: the list follows `(started_at, id)`, the
 * latest run of each job is a lateral lookup on `(job_key, started_at desc, id desc)` and the last success
 * one on the partial `(job_key, completed_at desc) where status = 'succeeded'` index. The coordination
 * writes (claims, heartbeats, outcomes) stay in `JobRunsRepository`.
 */
@Injectable()
export class JobRunsReadRepository {
  constructor(private readonly orm: MikroORM) {}

  /**
   * The connection's own Kysely, outside any transaction: the very client a fork's `getKysely()` returns,
   * without the fork. These reads hydrate no entities, and a fork per call (a new EntityManager, two
   * configuration writes that reach `process.env`) is work the hottest reads of the API need not do.
   */
  private db(): Kysely<unknown> {
    return this.orm.em.getConnection().getClient<unknown>();
  }

  /** Newest first; `limit` rows at most. */
  async list(query: RunHistoryQuery): Promise<RunViewRow[]> {
    const { rows } = await sql<RunViewRow>`
      select ${VIEW_COLUMNS} from job_runs r where ${historyFilter(query)}
       order by r.started_at desc, r.id desc
       limit ${query.limit}`.execute(this.db());
    return rows;
  }

  /** The same rows as `list`, in the shape the runs page is written from (see run-page.ts). */
  async listPage(query: RunHistoryQuery): Promise<RunPageRow[]> {
    const { rows } = await sql<RunPageRow>`
      select ${PAGE_COLUMNS} from job_runs r where ${historyFilter(query)}
       order by r.started_at desc, r.id desc
       limit ${query.limit}`.execute(this.db());
    return rows;
  }

  async get(id: string): Promise<RunViewRow | undefined> {
    const { rows } = await sql<RunViewRow>`
      select ${VIEW_COLUMNS} from job_runs r where r.id = ${id}::uuid`.execute(this.db());
    return rows[0];
  }

  /**
   * The newest run of each of `jobKeys` (absent for a job that never ran): one index probe per job. The probe
   * selects only what the `(job_key, started_at desc, id desc)` index holds, and orders by `job_key` first: with the
   * key an outer column, only an index led by `job_key` yields that order, so the planner cannot walk
   * `(started_at, id)` backwards filtering on the key, which for a job that never ran (or stopped long ago) reads
   * the whole history (issue 21 measured 16,000 buffers a loop).
   */
  async latestPerJob(jobKeys: readonly string[]): Promise<Map<string, RunViewRow>> {
    if (jobKeys.length === 0) return new Map();
    const { rows } = await sql<RunViewRow>`
      select ${VIEW_COLUMNS} from unnest(${[...jobKeys]}::text[]) as k(job_key)
       cross join lateral (
         select latest.id from job_runs latest
          where latest.job_key = k.job_key
          order by latest.job_key, latest.started_at desc, latest.id desc
          limit 1
       ) l
       join job_runs r on r.id = l.id`.execute(this.db());
    return new Map(rows.map((row) => [row.job_key, row]));
  }

  /** When each of `jobKeys` last succeeded, as Unix seconds (absent when it never did). */
  async lastSuccessPerJob(jobKeys: readonly string[]): Promise<Map<string, number>> {
    if (jobKeys.length === 0) return new Map();
    const { rows } = await sql<{ job_key: string; at: number | null }>`
      select k.job_key,
             (select extract(epoch from max(r.completed_at))::float8 from job_runs r
               where r.job_key = k.job_key and r.status = 'succeeded') as at
        from unnest(${[...jobKeys]}::text[]) as k(job_key)`.execute(this.db());
    const result = new Map<string, number>();
    for (const row of rows) if (row.at !== null) result.set(row.job_key, row.at);
    return result;
  }
}
