import { Migration } from '@mikro-orm/migrations';

/**
 * Cancelling a run and queueing runs behind JOBS_MAX_CONCURRENT: the request to cancel is recorded on the
 * run (any replica may receive it; the owner's heartbeat reads it), and a queued run remembers since when
 * it waits (the queue is FIFO on it). New statuses `queued` and `cancelled`.
 */
export class Migration20261201100000_job_run_cancel_and_queue extends Migration {
  override up(): void | Promise<void> {
    this.addSql(
      `alter table "job_runs" add "cancel_requested_at" timestamptz null, add "cancelled_by" text null, add "queued_at" timestamptz null;`,
    );
    this.addSql(`alter table "job_runs" drop constraint "job_runs_status_check";`);
    this.addSql(
      `alter table "job_runs" add constraint "job_runs_status_check" check ("status" in ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'abandoned', 'skipped'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "job_runs" drop constraint "job_runs_status_check";`);
    this.addSql(
      `alter table "job_runs" add constraint "job_runs_status_check" check ("status" in ('running', 'succeeded', 'failed', 'abandoned', 'skipped'));`,
    );
    this.addSql(
      `alter table "job_runs" drop column "cancel_requested_at", drop column "cancelled_by", drop column "queued_at";`,
    );
  }
}
