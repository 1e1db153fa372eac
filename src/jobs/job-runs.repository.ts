import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import {
  COLUMNS,
  iso,
  NOW_MS,
  toRecord,
  type JobProgress,
  type JobRunRecord,
  type NewRun,
  type Row,
  type RunOutcome,
} from './job-run-record.js';
import type { JobMetrics } from './job-result.js';

export type { JobProgress, JobRunRecord, NewRun, RunOutcome } from './job-run-record.js';

/**
 * Every query on `job_runs`. PostgreSQL is the coordinator between replicas, so the rules live in
 * these statements: the slot claim and the one-running-run rule are unique constraints hit by
 * `ON CONFLICT DO NOTHING`, and time comparisons use the database clock so replicas with skewed clocks
 * agree on what is stale.
 */
@Injectable()
export class JobRunsRepository {
  constructor(private readonly orm: MikroORM) {}

  private async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    return this.orm.em.getConnection().execute<Row[]>(sql, params, 'all');
  }

  /**
   * Inserts the run as `running` (or `queued`, stamped `queued_at`), unless its slot already has a run or
   * the job is queued or running anywhere (either unique index refuses the row); returns undefined then.
   */
  async claim(run: NewRun): Promise<JobRunRecord | undefined> {
    const status = run.queued ? 'queued' : 'running';
    const rows = await this.query(
      `insert into job_runs (job_key, job_name, trigger, scheduled_for, status, attempts, params, started_at,
                             heartbeat_at, owner, queued_at)
       values (?, ?, ?, ?::timestamptz, ?, 1, ?::jsonb, ${NOW_MS}, now(), ?, ${run.queued ? NOW_MS : 'null'})
       on conflict do nothing
       returning ${COLUMNS}`,
      [run.jobKey, run.jobName, run.trigger, iso(run.slot), status, JSON.stringify(run.params), run.owner],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** Records that a slot was not run because the job was busy; returns undefined if the slot already has a run. */
  async recordSkipped(run: NewRun, reason: string): Promise<JobRunRecord | undefined> {
    const rows = await this.query(
      `insert into job_runs (job_key, job_name, trigger, scheduled_for, status, attempts, params, started_at,
                             completed_at, duration_ms, heartbeat_at, owner, error)
       values (?, ?, ?, ?::timestamptz, 'skipped', 0, ?::jsonb, ${NOW_MS}, now(), 0, now(), ?, ?)
       on conflict do nothing
       returning ${COLUMNS}`,
      [run.jobKey, run.jobName, run.trigger, iso(run.slot), JSON.stringify(run.params), run.owner, reason],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async findBySlot(jobKey: string, slot: Date): Promise<JobRunRecord | undefined> {
    const rows = await this.query(
      `select ${COLUMNS} from job_runs where job_key = ? and scheduled_for = ?::timestamptz`,
      [jobKey, slot.toISOString()],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async findRunning(jobKey: string): Promise<JobRunRecord | undefined> {
    const rows = await this.query(
      `select ${COLUMNS} from job_runs where job_key = ? and status in ('queued', 'running')`,
      [jobKey],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async get(id: string): Promise<JobRunRecord | undefined> {
    const rows = await this.query(`select ${COLUMNS} from job_runs where id = ?`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async setAttempt(id: string, owner: string, attempt: number): Promise<void> {
    await this.query(`update job_runs set attempts = ? where id = ? and owner = ? and status = 'running'`, [
      attempt,
      id,
      owner,
    ]);
  }

  /**
   * Proves the run is alive. `alive` is false when it is no longer ours to run (another instance
   * abandoned it); `cancelledBy` names who asked to cancel it, from whichever replica they asked.
   */
  async heartbeat(id: string, owner: string): Promise<{ alive: boolean; cancelledBy: string | null }> {
    const rows = await this.query(
      `update job_runs set heartbeat_at = now() where id = ? and owner = ? and status in ('queued', 'running')
        returning cancel_requested_at, cancelled_by`,
      [id, owner],
    );
    const row = rows[0];
    if (!row) return { alive: false, cancelledBy: null };
    const requested = row.cancel_requested_at !== null && row.cancel_requested_at !== undefined;
    const by = typeof row.cancelled_by === 'string' ? row.cancelled_by : 'unknown';
    return { alive: true, cancelledBy: requested ? by : null };
  }

  /**
   * Records a request to cancel a running or queued run (the first request wins); undefined when the run
   * is in neither state. The owner's heartbeat acts on it.
   */
  async requestCancel(id: string, by: string): Promise<JobRunRecord | undefined> {
    const rows = await this.query(
      `update job_runs
          set cancel_requested_at = coalesce(cancel_requested_at, now()), cancelled_by = coalesce(cancelled_by, ?)
        where id = ? and status in ('running', 'queued')
        returning ${COLUMNS}`,
      [by, id],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** Progress and, when given, the counts so far; only the owner writes, and only while it runs. */
  async saveProgress(
    id: string,
    owner: string,
    progress: JobProgress,
    metrics?: JobMetrics | null,
  ): Promise<void> {
    if (!metrics) {
      await this.query(
        `update job_runs set progress = ?::jsonb where id = ? and owner = ? and status = 'running'`,
        [JSON.stringify(progress), id, owner],
      );
      return;
    }
    await this.query(
      `update job_runs
          set progress = ?::jsonb, items_processed = ?, items_created = ?, items_updated = ?, items_skipped = ?,
              custom = ?::jsonb
        where id = ? and owner = ? and status = 'running'`,
      [
        JSON.stringify(progress),
        metrics.items_processed,
        metrics.items_created,
        metrics.items_updated,
        metrics.items_skipped,
        JSON.stringify(metrics.custom),
        id,
        owner,
      ],
    );
  }

  /** Writes the outcome; undefined when the run was no longer ours (abandoned meanwhile). */
  async finish(id: string, owner: string, outcome: RunOutcome): Promise<JobRunRecord | undefined> {
    const { metrics } = outcome;
    const rows = await this.query(
      `update job_runs
          set status = ?, attempts = ?, completed_at = now(), duration_ms = ?, heartbeat_at = now(),
              items_processed = ?, items_created = ?, items_updated = ?, items_skipped = ?,
              custom = ?::jsonb, error = ?, progress = coalesce(?::jsonb, progress)
        where id = ? and owner = ? and status in ('queued', 'running')
        returning ${COLUMNS}`,
      [
        outcome.status,
        outcome.attempts,
        Math.round(outcome.durationMs),
        metrics.items_processed,
        metrics.items_created,
        metrics.items_updated,
        metrics.items_skipped,
        JSON.stringify(metrics.custom),
        outcome.error,
        outcome.progress ? JSON.stringify(outcome.progress) : null,
        id,
        owner,
      ],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /**
   * Marks every running run whose heartbeat is older than `staleAfterMs` as abandoned — its owner died
   * or hung — which frees the job for the next run. Any instance may do this, at any time.
   */
  async abandonStale(staleAfterMs: number): Promise<JobRunRecord[]> {
    const rows = await this.query(
      `update job_runs
          set status = 'abandoned',
              completed_at = now(),
              duration_ms = greatest(0, round(extract(epoch from (heartbeat_at - started_at)) * 1000))::int,
              error = 'no heartbeat since ' || to_char(heartbeat_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                      || '; owner ' || owner || ' presumed dead'
        where status in ('queued', 'running') and heartbeat_at < now() - (? * interval '1 millisecond')
        returning ${COLUMNS}`,
      [staleAfterMs],
    );
    return rows.map(toRecord);
  }

  /**
   * Takes over an `abandoned` run of a cron slot (its owner died or was shut down mid-run) so the slot
   * can run again; undefined when the row is no longer abandoned or the job is running (the partial
   * unique index refuses a second running run).
   */
  async reclaimAbandoned(id: string, run: NewRun): Promise<JobRunRecord | undefined> {
    try {
      const rows = await this.query(
        `update job_runs
            set status = ?, trigger = ?, job_name = ?, params = ?::jsonb, attempts = 1, owner = ?,
                started_at = ${NOW_MS}, heartbeat_at = now(), completed_at = null, duration_ms = null,
                queued_at = ${run.queued ? NOW_MS : 'null'},
                items_processed = 0, items_created = 0, items_updated = 0, items_skipped = 0,
                custom = '{}'::jsonb, progress = null, error = null, cancel_requested_at = null, cancelled_by = null
          where id = ? and status = 'abandoned'
          returning ${COLUMNS}`,
        [
          run.queued ? 'queued' : 'running',
          run.trigger,
          run.jobName,
          JSON.stringify(run.params),
          run.owner,
          id,
        ],
      );
      return rows[0] ? toRecord(rows[0]) : undefined;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) return undefined;
      throw error;
    }
  }

  /** Whether the job has any run at all (a new database has missed nothing to catch up on). */
  async hasAnyRun(jobKey: string): Promise<boolean> {
    const rows = await this.query(`select 1 from job_runs where job_key = ? limit 1`, [jobKey]);
    return rows.length > 0;
  }

  /** Whether a run that did (or is doing) the job's work started at or after `since`, whatever its trigger. */
  async hasWorkSince(jobKey: string, since: Date): Promise<boolean> {
    const rows = await this.query(
      `select 1 from job_runs
        where job_key = ? and started_at >= ?::timestamptz and status in ('queued', 'running', 'succeeded') limit 1`,
      [jobKey, since.toISOString()],
    );
    return rows.length > 0;
  }

  /** Whether the job has ever succeeded (dependencies need one successful run). */
  async hasSucceeded(jobKey: string): Promise<boolean> {
    const rows = await this.query(
      `select 1 from job_runs where job_key = ? and status = 'succeeded' limit 1`,
      [jobKey],
    );
    return rows.length > 0;
  }
}
