import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const JOB_TRIGGERS = ['schedule', 'manual', 'catch_up', 'dependency', 'cli'] as const;
export type JobTrigger = (typeof JOB_TRIGGERS)[number];

export const JOB_RUN_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'abandoned',
  'skipped',
] as const;
export type JobRunStatus = (typeof JOB_RUN_STATUSES)[number];

/**
 * One run of one job. PostgreSQL is the coordinator between replicas: `UNIQUE (job_key, scheduled_for)`
 * makes a cron slot one run (the replica whose insert wins runs it), and the partial unique index on
 * `(job_key) WHERE status IN ('queued', 'running')` makes overlapping runs of one job impossible.
 */
export const JobRunSchema = defineEntity({
  name: 'JobRun',
  tableName: 'job_runs',
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    jobKey: p.text(),
    jobName: p.text(),
    trigger: p.enum(JOB_TRIGGERS),
    scheduledFor: p.datetime().nullable(),
    /** When an operator asked to cancel the run; the owner's heartbeat sees it and stops the run. */
    cancelRequestedAt: p.datetime().nullable(),
    cancelledBy: p.text().nullable(),
    /** Since when the run waits for a JOBS_MAX_CONCURRENT slot (FIFO order); null for a run that never queued. */
    queuedAt: p.datetime().nullable(),
    status: p.enum(JOB_RUN_STATUSES),
    attempts: p.integer().default(0),
    params: p.json<Record<string, unknown>>().default('{}'),
    startedAt: p.datetime(),
    completedAt: p.datetime().nullable(),
    durationMs: p.integer().nullable(),
    heartbeatAt: p.datetime(),
    owner: p.text(),
    itemsProcessed: p.integer().default(0),
    itemsCreated: p.integer().default(0),
    itemsUpdated: p.integer().default(0),
    itemsSkipped: p.integer().default(0),
    custom: p.json<Record<string, unknown>>().default('{}'),
    progress: p.json<{ done: number; total: number | null; updated_at: string }>().nullable(),
    error: p.text().nullable(),
  },
  uniques: [
    { name: 'job_runs_job_key_scheduled_for_unique', properties: ['jobKey', 'scheduledFor'] },
    {
      name: 'job_runs_one_active_per_job',
      properties: ['jobKey'],
      where: `status in ('queued', 'running')`,
    },
  ],
  indexes: [
    { name: 'job_runs_started_at_id_index', properties: ['startedAt', 'id'] },
    {
      name: 'job_runs_job_key_started_at_id_index',
      columns: [{ name: 'job_key' }, { name: 'started_at', sort: 'desc' }, { name: 'id', sort: 'desc' }],
    },
    {
      name: 'job_runs_last_success_index',
      columns: [{ name: 'job_key' }, { name: 'completed_at', sort: 'desc' }],
      where: `status = 'succeeded'`,
    },
    {
      name: 'job_runs_job_key_status_started_at_id_index',
      columns: [
        { name: 'job_key' },
        { name: 'status' },
        { name: 'started_at', sort: 'desc' },
        { name: 'id', sort: 'desc' },
      ],
    },
    {
      name: 'job_runs_status_started_at_id_index',
      columns: [{ name: 'status' }, { name: 'started_at', sort: 'desc' }, { name: 'id', sort: 'desc' }],
    },
  ],
});

export type JobRun = InferEntity<typeof JobRunSchema>;
