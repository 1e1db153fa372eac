import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { sql, type Kysely, type RawBuilder } from 'kysely';

/** Epoch milliseconds: the caller's (tests inject time) or the database clock, read after the row lock. */
function nowMs(injected: number | undefined): RawBuilder<number> {
  return injected === undefined
    ? sql<number>`floor(extract(epoch from clock_timestamp()) * 1000)::bigint`
    : sql<number>`${injected}::bigint`;
}

export interface SlotRequest {
  key: string;
  /** Requests allowed to start in any window. */
  limit: number;
  /** The window, safety margin included. */
  windowMs: number;
  /** Refuse the slot when this month's total has reached it (null: no cap). */
  budget: number | null;
  /** False for a new slot of a call already counted (it woke too late for its first one). */
  count?: boolean;
  job: string;
  endpoint: string;
  /** The run sending the call (`job_runs.id`), if any: its own count feeds the month's projection. */
  runId?: string;
  now?: number;
  /** Low priority (see call-priority.ts): refuse a slot starting after this epoch ms. */
  notAfter?: number;
  /** Low priority: refuse while a run of one of these jobs is queued or running. */
  yieldTo?: readonly string[];
  /**
   * The provider a limit other than CoinGecko's belongs to: its calls are counted in `provider_calls` under
   * this name. Unset: CoinGecko's, counted in `coingecko_calls` and `coingecko_run_calls`.
   */
  provider?: string;
}

export type SlotAnswer =
  | { admitted: true; waitMs: number; monthCalls: number }
  | { admitted: false; monthCalls: number; month: string }
  /** A low-priority request refused for its terms (not the budget): nothing reserved or counted. */
  | { admitted: false; yielded: true };

export type UncountRequest = Pick<SlotRequest, 'key' | 'job' | 'endpoint' | 'runId' | 'now' | 'provider'>;

export interface ThrottleRequest {
  key: string;
  limit: number;
  windowMs: number;
  now?: number;
}

export type ThrottleAnswer = { admitted: true; stamp: number } | { admitted: false; retryAfterMs: number };

interface SlotRow {
  wait_ms: string;
  month_calls: string;
}

/**
 * The SQL of the shared limits (`rate_limit_windows`, `coingecko_calls`, `provider_calls`). Each decision is one
 * statement: `INSERT … ON CONFLICT DO UPDATE` locks the limit's row and computes from its latest version,
 * so concurrent replicas are serialised by PostgreSQL and none can read a stale window or month total.
 * The same statements run on embedded PGlite.
 */
@Injectable()
export class RateLimitRepository {
  constructor(private readonly orm: MikroORM) {}

  private db(): Kysely<unknown> {
    return this.orm.em.fork().getKysely<unknown>();
  }

  /**
   * Reserves the start time of one request, FIFO: the latest of now, the hold, the last reserved start
   * and (when the log is full) the N-th last start plus the window — so no window of `windowMs` ever
   * holds more than `limit` starts. In the same statement it adds the call to this month's total and to
   * `coingecko_calls`, unless the budget is spent: then nothing is reserved or counted.
   */
  async reserveSlot(request: SlotRequest): Promise<SlotAnswer> {
    const { key, limit, windowMs } = request;
    const counted = request.count ?? true;
    const one = counted ? 1 : 0;
    const budget = counted ? request.budget : null;
    const now = nowMs(request.now);
    const month = sql`(date_trunc('month', to_timestamp(${now} / 1000.0) at time zone 'UTC'))::date`;
    const w = sql.ref('w');
    const n = sql`cardinality(${w}.starts)`;
    const start = sql`greatest(${now}, ${w}.held_until, ${w}.starts[${n}],
        case when ${n} >= ${limit} then ${w}.starts[${n} - ${limit} + 1] + ${windowMs} end)`;
    const notAfter = request.notAfter ?? null;
    const yieldTo = request.yieldTo ? [...request.yieldTo] : null;
    // Evaluated in the statement that takes the row lock: a run inserted before it is seen by every replica.
    const noneAhead = sql`(${yieldTo}::text[] is null or not exists (
        select 1 from job_runs where job_key = any(${yieldTo}::text[]) and status in ('queued', 'running')))`;
    const { rows } = await sql<SlotRow>`
      with reserved as (
        insert into rate_limit_windows as ${w} (key, starts, month, month_calls, updated_at)
        select ${key}, array[${now}], ${month}, ${one}::int, now()
        where (${notAfter}::bigint is null or ${now} <= ${notAfter}::bigint) and ${noneAhead}
        on conflict (key) do update set
          starts = ${w}.starts[greatest(1, ${n} - ${limit} + 2):] || ${start},
          month_calls = case when ${w}.month = ${month} then ${w}.month_calls + ${one}::int else ${one}::int end,
          month = ${month},
          updated_at = now()
        where (${budget}::bigint is null
           or (case when ${w}.month = ${month} then ${w}.month_calls else 0 end) < ${budget}::bigint)
          and (${notAfter}::bigint is null or ${start} <= ${notAfter}::bigint) and ${noneAhead}
        returning ${w}.starts[cardinality(${w}.starts)] - ${now} as wait_ms, ${w}.month_calls, ${w}.month
      ), ${this.counting(request, counted)}
      select wait_ms, month_calls from reserved`.execute(this.db());
    const row = rows[0];
    if (row)
      return {
        admitted: true,
        waitMs: Math.max(0, Number(row.wait_ms)),
        monthCalls: Number(row.month_calls),
      };
    const state = await sql<{ month_calls: string; month: string; this_month: string }>`
      select month_calls, to_char(${month}, 'YYYY-MM') as month,
             case when month = ${month} then month_calls else 0 end as this_month
      from rate_limit_windows where key = ${key}`.execute(this.db());
    const spent = budget !== null && Number(state.rows[0]?.this_month ?? 0) >= budget;
    if (!spent && (notAfter !== null || yieldTo !== null)) return { admitted: false, yielded: true };
    return {
      admitted: false,
      monthCalls: Number(state.rows[0]?.month_calls ?? 0),
      month: state.rows[0]?.month ?? '',
    };
  }

  /** The statement's parts that count an admitted call: CoinGecko's own tables, or `provider_calls`. */
  private counting(request: SlotRequest, counted: boolean): RawBuilder<unknown> {
    if (request.provider !== undefined) {
      return sql`counted as (
        insert into provider_calls (month, provider, job_key, endpoint, calls)
        select month, ${request.provider}, ${request.job}, ${request.endpoint}, 1 from reserved where ${counted}::boolean
        on conflict (month, provider, job_key, endpoint) do update set calls = provider_calls.calls + 1
      )`;
    }
    return sql`counted as (
        insert into coingecko_calls (month, job_key, endpoint, calls)
        select month, ${request.job}, ${request.endpoint}, 1 from reserved where ${counted}::boolean
        on conflict (month, job_key, endpoint) do update set calls = coingecko_calls.calls + 1
      ), run_counted as (
        insert into coingecko_run_calls (run_id, calls)
        -- A run id without its row (never in the service) must not fail the reservation on the foreign key.
        select id, 1 from job_runs where id = ${request.runId ?? null}::uuid and ${counted}::boolean and exists (select 1 from reserved)
        on conflict (run_id) do update set calls = coingecko_run_calls.calls + 1
      )`;
  }

  /** Takes back a reserved call that was never sent (its job gave up while it waited). */
  async uncount(request: UncountRequest): Promise<void> {
    const month = sql`(date_trunc('month', to_timestamp(${nowMs(request.now)} / 1000.0) at time zone 'UTC'))::date`;
    const windowRow = sql`window_row as (
        update rate_limit_windows set month_calls = greatest(0, month_calls - 1)
        where key = ${request.key} and month = ${month}
      )`;
    if (request.provider !== undefined) {
      await sql`
        with ${windowRow}
        update provider_calls set calls = greatest(0, calls - 1)
        where month = ${month} and provider = ${request.provider} and job_key = ${request.job}
          and endpoint = ${request.endpoint}`.execute(this.db());
      return;
    }
    await sql`
      with ${windowRow}, run_row as (
        update coingecko_run_calls set calls = greatest(0, calls - 1) where run_id = ${request.runId ?? null}::uuid
      )
      update coingecko_calls set calls = greatest(0, calls - 1)
      where month = ${month} and job_key = ${request.job} and endpoint = ${request.endpoint}`.execute(
      this.db(),
    );
  }

  /** Holds every later reservation until `retryAfterMs` from now (never shortens a longer hold). */
  async hold(key: string, retryAfterMs: number, now?: number): Promise<void> {
    const until = sql`${nowMs(now)} + ${Math.max(0, Math.ceil(retryAfterMs))}::bigint`;
    await sql`
      insert into rate_limit_windows as w (key, held_until) values (${key}, ${until})
      on conflict (key) do update set held_until = greatest(w.held_until, excluded.held_until), updated_at = now()`.execute(
      this.db(),
    );
  }

  /**
   * Admits one request now if fewer than `limit` were admitted in the last `windowMs`; otherwise says
   * when the oldest of them leaves the window. Refusals change nothing.
   */
  async tryAcquire(request: ThrottleRequest): Promise<ThrottleAnswer> {
    const { key, limit, windowMs } = request;
    const now = nowMs(request.now);
    const w = sql.ref('w');
    const n = sql`cardinality(${w}.starts)`;
    const { rows } = await sql<{ stamp: string }>`
      insert into rate_limit_windows as ${w} (key, starts) values (${key}, array[${now}])
      on conflict (key) do update set
        starts = ${w}.starts[greatest(1, ${n} - ${limit} + 2):] || greatest(${now}, ${w}.starts[${n}]),
        updated_at = now()
      where ${n} < ${limit} or ${w}.starts[${n} - ${limit} + 1] <= ${now} - ${windowMs}
      returning ${w}.starts[cardinality(${w}.starts)] as stamp`.execute(this.db());
    if (rows[0]) return { admitted: true, stamp: Number(rows[0].stamp) };
    const state = await sql<{ retry_after_ms: string }>`
      select starts[cardinality(starts) - ${limit} + 1] + ${windowMs} - ${now} as retry_after_ms
      from rate_limit_windows where key = ${key}`.execute(this.db());
    return { admitted: false, retryAfterMs: Math.max(1, Number(state.rows[0]?.retry_after_ms ?? windowMs)) };
  }

  /** Gives back an admission (`stamp` from `tryAcquire`), e.g. for a request that turned out invalid. */
  async release(key: string, stamp: number): Promise<void> {
    await sql`
      update rate_limit_windows
      set starts = starts[:array_position(starts, ${stamp}::bigint) - 1] || starts[array_position(starts, ${stamp}::bigint) + 1:]
      where key = ${key} and array_position(starts, ${stamp}::bigint) is not null`.execute(this.db());
  }
}
