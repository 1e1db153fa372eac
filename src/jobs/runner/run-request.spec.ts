import { describe, expect, it } from 'vitest';
import { defineJob } from '../job-definition.js';
import { JobRegistry } from '../job-registry.js';
import { resolveRun } from './run-request.js';

const JOB = defineJob({
  key: 'demo_job',
  description: 'demo',
  envPrefix: 'DEMO_JOB',
  schedule: '0 0 * * * *',
  limit: { default: 10, min: 1, max: 100, nullable: false },
  timeoutMs: 5000,
  trigger: { path: 'demo-job', summary: 'demo' },
});

const registry = new JobRegistry();
const work = async (): Promise<void> => undefined;
registry.register(JOB, work);
const context = { registry, byKey: {}, owner: 'me', queueing: false };

describe('resolveRun', () => {
  it("applies a registered job's definition, then its configured limit and timeout, then the request's params", () => {
    expect(resolveRun({ job: 'demo_job' }, context)).toMatchObject({
      request: {
        jobKey: 'demo_job',
        jobName: 'demo_job(limit=10)',
        trigger: 'manual',
        params: { limit: 10 },
      },
      fn: work,
      timeoutMs: 5000,
      reclaimAbandoned: false,
    });
    const configured = {
      ...context,
      byKey: {
        demo_job: { enabled: true, schedule: '0 0 * * * *', limit: 20, timeoutMs: 9000, settings: {} },
      },
    };
    const slot = new Date('2026-01-01T00:00:00Z');
    expect(
      resolveRun(
        { job: 'demo_job', params: { limit: 3 }, trigger: 'catch_up', slot, reclaimAbandoned: true },
        configured,
      ),
    ).toMatchObject({
      request: { jobName: 'demo_job(limit=3)', trigger: 'catch_up', slot, params: { limit: 3 } },
      timeoutMs: 9000,
      reclaimAbandoned: true,
    });
  });

  it('runs an ad-hoc function under its name with its own options', () => {
    expect(resolveRun({ name: 'reindex', fn: work, timeoutMs: 1234 }, context)).toMatchObject({
      request: { jobKey: 'reindex', jobName: 'reindex', slot: null, params: { limit: null }, owner: 'me' },
      timeoutMs: 1234,
      dependsOn: [],
    });
  });

  it('queues every run under JOBS_MAX_CONCURRENT except a dependency, which runs inside its dependent slot', () => {
    const queueing = { ...context, queueing: true };
    expect(resolveRun({ job: 'demo_job' }, queueing).request.queued).toBe(true);
    expect(resolveRun({ job: 'demo_job', trigger: 'dependency' }, queueing).request.queued).toBe(false);
    expect(resolveRun({ job: 'demo_job' }, context).request.queued).toBe(false);
  });
});
