import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { ALERT_EVENTS, type AlertPayload } from './alert.types.js';

export const ALERT_DELIVERIES = ['pending', 'delivered', 'failed', 'not_configured'] as const;

/**
 * One alert about a job. `UNIQUE (job_key, event, episode)` is the claim between replicas: the one whose
 * insert wins sends it. The schema lives in the migration; this definition keeps the ORM's view (and
 * `migration:create`) in step with it. Queries go through AlertsRepository.
 */
export const JobAlertSchema = defineEntity({
  name: 'JobAlert',
  tableName: 'job_alerts',
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    jobKey: p.text(),
    event: p.enum(ALERT_EVENTS),
    /** The outage the alert belongs to: `after:<last success run id>` or `after:none`. */
    episode: p.text(),
    runId: p.uuid().nullable(),
    runStatus: p.text().nullable(),
    error: p.text().nullable(),
    consecutiveFailures: p.integer().default(0),
    payload: p.json<AlertPayload>(),
    owner: p.text(),
    createdAt: p.datetime().defaultRaw('now()'),
    delivery: p.enum(ALERT_DELIVERIES).default('pending'),
    attempts: p.integer().default(0),
    deliveredAt: p.datetime().nullable(),
    failedAt: p.datetime().nullable(),
    lastError: p.text().nullable(),
  },
  uniques: [{ name: 'job_alerts_job_key_event_episode_unique', properties: ['jobKey', 'event', 'episode'] }],
  indexes: [{ name: 'job_alerts_created_at_index', properties: ['createdAt'] }],
});

export type JobAlert = InferEntity<typeof JobAlertSchema>;
