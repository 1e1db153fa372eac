import { Migration } from '@mikro-orm/migrations';

/**
 * Reads that filter on a status stay index ranges at millions of runs:
 * - `(job_key, status, started_at desc, id desc)`: "how many runs failed since the job last succeeded" (job health in
 *   `GET /jobs`, the dashboard, alerts) and the history filtered by job and status. The failure range starts at a
 *   time only known at run time; without this index the planner guessed a third of the job's history and read all
 *   of it from the heap (about a second per `GET /jobs` at a million runs).
 * - `(status, started_at desc, id desc)`: the history filtered by status alone. A rare status (`cancelled`,
 *   `abandoned`) otherwise walked the whole history backwards looking for 50 matches.
 */
export class Migration20261202010000_job_runs_status_indexes extends Migration {
  override up(): void {
    this.addSql(
      `create index "job_runs_job_key_status_started_at_id_index" on "job_runs" ("job_key", "status", "started_at" desc, "id" desc);`,
    );
    this.addSql(
      `create index "job_runs_status_started_at_id_index" on "job_runs" ("status", "started_at" desc, "id" desc);`,
    );
  }

  override down(): void {
    this.addSql(`drop index "job_runs_status_started_at_id_index";`);
    this.addSql(`drop index "job_runs_job_key_status_started_at_id_index";`);
  }
}
