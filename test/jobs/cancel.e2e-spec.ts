import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_MODULES } from '../../src/app.module.js';
import { JobHandler, type JobHandlerContext } from '../../src/jobs/framework/job-handler.decorator.js';
import { JobModule } from '../../src/jobs/framework/job-module.js';
import { ScheduledJob } from '../../src/jobs/framework/scheduled-job.js';
import { defineJob } from '../../src/jobs/job-definition.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const BATCH_JOB = defineJob({
  key: 'cancel_test',
  description: 'Works in batches until its signal fires.',
  envPrefix: 'CANCEL_TEST',
  schedule: '0 0 5 * * *',
  trigger: { path: 'cancel-test', summary: 'Run batches until cancelled' },
});

let batches = 0;

@Injectable()
class BatchJob extends ScheduledJob(BATCH_JOB) {
  @JobHandler(BATCH_JOB)
  async work(ctx: JobHandlerContext<typeof BATCH_JOB>): Promise<void> {
    // Stops between batches, as the shared upsert does.
    while (!ctx.signal.aborted) {
      batches += 1;
      ctx.metrics.items_processed += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw ctx.signal.reason;
  }
}

@JobModule(BATCH_JOB, { providers: [BatchJob] })
class BatchJobModule {}

const ADMIN = 'cancel-test-admin-token-0123456789ab';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('POST /api/v1/jobs/runs/{id}/cancel across two replicas', () => {
  let db: TestDatabase;
  let owner: RunningApp;
  let other: RunningApp;

  const call = (app: RunningApp, method: string, path: string) =>
    fetch(`${app.baseUrl}/api/v1/jobs/${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: method === 'POST' ? '{}' : undefined,
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      DATABASE_URL: db.url,
      API_TOKENS: ADMIN,
      CANCEL_TEST_ENABLED: 'false',
      JOB_HEARTBEAT_MS: '100',
      JOB_STALE_AFTER_MS: '60000',
      TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
    };
    owner = await startApp(env, { jobs: [...JOB_MODULES, BatchJobModule] });
    other = await startApp(env, { jobs: [...JOB_MODULES, BatchJobModule] });
  });

  afterAll(async () => {
    await owner?.close();
    await other?.close();
    await db?.drop();
  });

  it('records the request on any replica; the owner stops the run within a heartbeat and it ends cancelled', async () => {
    const accepted = await call(owner, 'POST', 'cancel-test?wait=false');
    expect(accepted.status).toBe(202);
    const { run_id: runId } = (await accepted.json()) as { run_id: string };
    while (batches < 3) await new Promise((resolve) => setTimeout(resolve, 5));

    const cancel = await call(other, 'POST', `runs/${runId}/cancel`);
    expect(cancel.status).toBe(202);
    const body = (await cancel.json()) as Record<string, unknown>;
    expect(body).toEqual({
      run_id: runId,
      status: 'running',
      cancel_requested_at: expect.any(String) as unknown,
    });
    expect(Number.isNaN(Date.parse(body.cancel_requested_at as string))).toBe(false);

    let run: Record<string, unknown>;
    for (;;) {
      run = (await (await call(other, 'GET', `runs/${runId}`)).json()) as Record<string, unknown>;
      if (run.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const [row] = await db.query<{ cancelled_by: string; error: string; items_processed: number }>(
      `select cancelled_by, error, items_processed from job_runs where id = $1`,
      [runId],
    );
    expect(run).toMatchObject({
      status: 'cancelled',
      success: false,
      error: `cancelled by ${row.cancelled_by}`,
    });
    expect(row.items_processed).toBeGreaterThanOrEqual(3);
    expect(row.cancelled_by).not.toContain(ADMIN);

    // Ended: 409 with its status. The job is free for the next run.
    const again = await call(owner, 'POST', `runs/${runId}/cancel`);
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: `run ${runId} is cancelled: only a running or queued run can be cancelled`,
      run_id: runId,
      status: 'cancelled',
    });
    const next = await call(other, 'POST', 'cancel-test?wait=false');
    expect(next.status).toBe(202);
    const nextId = ((await next.json()) as { run_id: string }).run_id;
    expect((await call(other, 'POST', `runs/${nextId}/cancel`)).status).toBe(202);
  });

  it('answers 404 for an unknown run and 400 for an id that is not a UUID', async () => {
    const unknown = await call(other, 'POST', `runs/${UNKNOWN_ID}/cancel`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: `run ${UNKNOWN_ID} not found`,
    });
    const bad = await call(other, 'POST', 'runs/not-a-uuid/cancel');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ statusCode: 400, message: 'id must be a UUID' });
  });

  it('is documented as cancelRun, admin only', async () => {
    const document = (await (await fetch(`${owner.baseUrl}/docs-json`)).json()) as {
      paths: Record<string, { post?: { operationId?: string; responses?: Record<string, unknown> } }>;
    };
    const operation = document.paths['/api/v1/jobs/runs/{id}/cancel']?.post;
    expect(operation?.operationId).toBe('cancelRun');
    expect(Object.keys(operation?.responses ?? {})).toEqual(
      expect.arrayContaining(['202', '400', '401', '403', '404', '409']),
    );
  });
});
