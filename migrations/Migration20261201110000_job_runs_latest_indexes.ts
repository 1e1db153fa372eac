import { Migration } from '@mikro-orm/migrations';

/**
 * Run history that stays fast at millions of rows:
 * - `(job_key, started_at desc, id desc)` is the order of a job's history, so "the newest run of each job"
 *   (GET /jobs, the dashboard) is one index probe per job instead of a scan and sort of the whole table. It
 *   replaces `(job_key, started_at)`, which it serves too.
 * - `(job_key, completed_at desc) where status = 'succeeded'` answers "when did each job last succeed"
 *   (`/metrics`, retention, dependencies) with one probe per job, however many failures came since.
 */
export class Migration20261201110000_job_runs_latest_indexes extends Migration {
  override up(): void {
    this.addSql(
      `create index "job_runs_job_key_started_at_id_index" on "job_runs" ("job_key", "started_at" desc, "id" desc);`,
    );
    this.addSql(
      `create index "job_runs_last_success_index" on "job_runs" ("job_key", "completed_at" desc) where status = 'succeeded';`,
    );
    this.addSql(`drop index "job_runs_job_key_started_at_index";`);
  }

  override down(): void {
    this.addSql(`create index "job_runs_job_key_started_at_index" on "job_runs" ("job_key", "started_at");`);
    this.addSql(`drop index "job_runs_last_success_index";`);
    this.addSql(`drop index "job_runs_job_key_started_at_id_index";`);
  }
}
