import { Migration } from '@mikro-orm/migrations';

/**
 * The planner takes `job_key` and `status` to be independent: for a job that has never succeeded (every run
 * skipped on its dependency, say) it guesses that a share of the job's runs succeeded, so the history filtered by
 * job and `succeeded` looked cheaper as a backwards walk of the whole history by time than as a probe of
 * `(job_key, status, …)`, and read all of it to find nothing. Statistics of the pairs that occur (most common
 * values of the two columns together, kept by ANALYZE like any other statistics) tell it that pair is absent.
 * Plain SQL in PostgreSQL 10+, so PGlite has it too.
 */
export class Migration20261207050000_job_runs_job_status_statistics extends Migration {
  override up(): void {
    this.addSql(
      `create statistics "job_runs_job_key_status_stats" (mcv) on "job_key", "status" from "job_runs";`,
    );
  }

  override down(): void {
    this.addSql(`drop statistics "job_runs_job_key_status_stats";`);
  }
}
