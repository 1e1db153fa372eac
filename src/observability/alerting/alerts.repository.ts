import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { toDate, toDateOrNull } from '../../database/pg-values.js';
import type { AlertEvent, AlertPayload } from './alert.types.js';

export type AlertDelivery = 'pending' | 'delivered' | 'failed' | 'not_configured';

/** One `job_alerts` row. */
export interface AlertRecord {
  id: string;
  jobKey: string;
  event: AlertEvent;
  episode: string;
  runId: string | null;
  payload: AlertPayload;
  owner: string;
  createdAt: Date;
  delivery: AlertDelivery;
  attempts: number;
  deliveredAt: Date | null;
  failedAt: Date | null;
  lastError: string | null;
}

export interface NewAlert {
  jobKey: string;
  event: AlertEvent;
  episode: string;
  payload: AlertPayload;
  owner: string;
}

/** Where a job stands since its last success: which run that was, and the failures that followed it. */
export interface JobStanding {
  lastSuccess: { id: string; completedAt: Date } | null;
  /** Runs that failed since the last success (timeouts included; abandoned, skipped and cancelled runs do not count). */
  failuresSince: number;
}

type Row = Record<string, unknown>;

const COLUMNS = `id, job_key, event, episode, run_id, payload, owner, created_at, delivery, attempts,
  delivered_at, failed_at, last_error`;

function toRecord(row: Row): AlertRecord {
  return {
    id: String(row.id),
    jobKey: String(row.job_key),
    event: row.event as AlertEvent,
    episode: String(row.episode),
    runId: typeof row.run_id === 'string' ? row.run_id : null,
    payload: row.payload as AlertPayload,
    owner: String(row.owner),
    createdAt: toDate(row.created_at),
    delivery: row.delivery as AlertDelivery,
    attempts: Number(row.attempts),
    deliveredAt: toDateOrNull(row.delivered_at),
    failedAt: toDateOrNull(row.failed_at),
    lastError: typeof row.last_error === 'string' ? row.last_error : null,
  };
}

/**
 * A `text[]` literal: `execute` would spread a JS array into a list of placeholders. An array (not JSON) so that
 * the planner counts its elements instead of guessing 100 rows, which on a long history priced the statement
 * past `jit_above_cost` and spent far longer compiling it than running it.
 */
const textArray = (values: readonly string[]): string =>
  `{${values.map((value) => `"${value.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

function toStanding(row: Row): JobStanding {
  const successId = typeof row.success_id === 'string' ? row.success_id : null;
  return {
    lastSuccess: successId ? { id: successId, completedAt: toDate(row.success_at) } : null,
    failuresSince: Number(row.failures ?? 0),
  };
}

/**
 * Every query of the alerting: the claim of an alert (a unique key per job, event and episode, so one
 * replica sends it), its delivery outcome, and the read of a job's standing from `job_runs`.
 */
@Injectable()
export class AlertsRepository {
  constructor(private readonly orm: MikroORM) {}

  private async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    return this.orm.em.getConnection().execute<Row[]>(sql, params, 'all');
  }

  /**
   * The job's last success before `before` (a run's start; default now) and how many of its runs
   * failed after that success.
   */
  async standing(jobKey: string, before?: { runId: string; startedAt: Date }): Promise<JobStanding> {
    const bound = before ? `and started_at <= ?::timestamptz and id <> ?` : '';
    const params = before ? [before.startedAt.toISOString(), before.runId] : [];
    const rows = await this.query(
      `with last_success as (
         select id, completed_at, started_at from job_runs
          where job_key = ? and status = 'succeeded' ${bound}
          order by started_at desc, id desc limit 1)
       select (select id from last_success) as success_id,
              (select completed_at from last_success) as success_at,
              (select count(*)::int from job_runs
                where job_key = ? and status = 'failed' ${bound}
                  and started_at > coalesce((select started_at from last_success), '-infinity')) as failures`,
      [jobKey, ...params, jobKey, ...params],
    );
    return toStanding(rows[0] ?? {});
  }

  /**
   * `standing` of each of `jobKeys` (now) in one statement, for the overdue check. The last success orders by
   * `job_key` first: with the key an outer column, only an index led by `job_key` yields that order, so for a
   * job without a success the planner cannot walk the whole history backwards by `started_at`. The failures
   * after it are a range of the `(job_key, status, started_at)` index.
   */
  async standingPerJob(jobKeys: readonly string[]): Promise<Map<string, JobStanding>> {
    if (jobKeys.length === 0) return new Map();
    const rows = await this.query(
      `select k.job_key, s.id as success_id, s.completed_at as success_at, f.failures
         from unnest(?::text[]) as k(job_key)
         left join lateral (
           select r.id, r.completed_at, r.started_at from job_runs r
            where r.job_key = k.job_key and r.status = 'succeeded'
            order by r.job_key, r.status, r.started_at desc, r.id desc limit 1) s on true
         cross join lateral (
           select count(*)::int as failures from job_runs r
            where r.job_key = k.job_key and r.status = 'failed'
              and r.started_at > coalesce(s.started_at, '-infinity')) f`,
      [textArray(jobKeys)],
    );
    return new Map(rows.map((row) => [String(row.job_key), toStanding(row)]));
  }

  /** Inserts the alert unless one with its key exists (another replica claimed it); undefined then. */
  async claim(alert: NewAlert): Promise<AlertRecord | undefined> {
    const rows = await this.query(
      `insert into job_alerts (job_key, event, episode, run_id, run_status, error, consecutive_failures, payload, owner)
       values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
       on conflict do nothing
       returning ${COLUMNS}`,
      this.values(alert),
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** Claims a recovery only when a failing or overdue alert was sent for the same episode. */
  async claimRecovery(alert: NewAlert): Promise<AlertRecord | undefined> {
    const rows = await this.query(
      `insert into job_alerts (job_key, event, episode, run_id, run_status, error, consecutive_failures, payload, owner)
       select ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?
        where exists (select 1 from job_alerts
                       where job_key = ? and episode = ? and event in ('job_failing', 'job_overdue'))
       on conflict do nothing
       returning ${COLUMNS}`,
      [...this.values(alert), alert.jobKey, alert.episode],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async recordAttempt(id: string, attempts: number, error: string | null): Promise<void> {
    await this.query(`update job_alerts set attempts = ?, last_error = ? where id = ?`, [
      attempts,
      error,
      id,
    ]);
  }

  async recordOutcome(
    id: string,
    outcome: { delivery: Exclude<AlertDelivery, 'pending'>; attempts: number; error: string | null },
  ): Promise<void> {
    await this.query(
      `update job_alerts set delivery = ?, attempts = ?, last_error = ?,
              delivered_at = case when ? = 'delivered' then now() end,
              failed_at = case when ? = 'failed' then now() end
        where id = ?`,
      [outcome.delivery, outcome.attempts, outcome.error, outcome.delivery, outcome.delivery, id],
    );
  }

  /** The newest alerts first. */
  async recent(limit: number): Promise<AlertRecord[]> {
    const rows = await this.query(
      `select ${COLUMNS} from job_alerts order by created_at desc, id desc limit ?`,
      [limit],
    );
    return rows.map(toRecord);
  }

  private values(alert: NewAlert): unknown[] {
    const { payload } = alert;
    return [
      alert.jobKey,
      alert.event,
      alert.episode,
      payload.run_id,
      payload.status,
      payload.error,
      payload.consecutive_failures,
      JSON.stringify(payload),
      alert.owner,
    ];
  }
}
