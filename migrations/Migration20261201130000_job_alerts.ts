import { Migration } from '@mikro-orm/migrations';

/**
 * Alerts sent about jobs, one row per alert. `(job_key, event, episode)` is unique: the replica whose
 * insert wins sends the alert, every other replica's insert is a no-op. An episode is the outage an alert
 * belongs to, named after the job's last success before it (`after:<run id>`, or `after:none`), so the
 * failing, overdue and recovered alerts of one outage share it. The delivery outcome is kept on the row.
 */
export class Migration20261201130000_job_alerts extends Migration {
  override up(): void {
    this.addSql(
      `create table "job_alerts" ("id" uuid not null default gen_random_uuid(), "job_key" text not null, "event" text not null, "episode" text not null, "run_id" uuid null, "run_status" text null, "error" text null, "consecutive_failures" int not null default 0, "payload" jsonb not null, "owner" text not null, "created_at" timestamptz not null default now(), "delivery" text not null default 'pending', "attempts" int not null default 0, "delivered_at" timestamptz null, "failed_at" timestamptz null, "last_error" text null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "job_alerts" add constraint "job_alerts_job_key_event_episode_unique" unique ("job_key", "event", "episode");`,
    );
    this.addSql(`create index "job_alerts_created_at_index" on "job_alerts" ("created_at");`);
    this.addSql(
      `alter table "job_alerts" add constraint "job_alerts_event_check" check ("event" in ('job_failing', 'job_recovered', 'job_overdue'));`,
    );
    this.addSql(
      `alter table "job_alerts" add constraint "job_alerts_delivery_check" check ("delivery" in ('pending', 'delivered', 'failed', 'not_configured'));`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "job_alerts";`);
  }
}
