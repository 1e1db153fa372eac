import { Migration } from '@mikro-orm/migrations';

/**
 * A queued run counts as the job being busy (JOBS_MAX_CONCURRENT): at most one run of a job is queued or
 * running, across every replica, enforced by the same kind of partial unique index as before.
 */
export class Migration20261201100500_job_runs_one_active_per_job extends Migration {
  override up(): void | Promise<void> {
    this.addSql(`drop index "job_runs_one_running_per_job";`);
    this.addSql(
      `create unique index "job_runs_one_active_per_job" on "job_runs" ("job_key") where status in ('queued', 'running');`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "job_runs_one_active_per_job";`);
    this.addSql(
      `create unique index "job_runs_one_running_per_job" on "job_runs" ("job_key") where status = 'running';`,
    );
  }
}
