import { Injectable, Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/bootstrap.js';
import { JobHandler, type JobHandlerContext } from '../../src/jobs/framework/job-handler.decorator.js';
import { JobModule } from '../../src/jobs/framework/job-module.js';
import { ScheduledJob } from '../../src/jobs/framework/scheduled-job.js';
import { defineJob } from '../../src/jobs/job-definition.js';
import { JobRunnerService } from '../../src/jobs/job-runner.service.js';
import { AppLogger } from '../../src/observability/logging/app-logger.js';
import { QUIET_ENV } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/*
 * Log lines as an operator reads them, captured from the service's own logger (LoggingModule's stream):
 * which run a line belongs to, one line per request, no framework noise at info, no stack traces for
 * failures the service explains, and quiet readiness probes while shutting down.
 */
const CHATTY_JOB = defineJob({
  key: 'chatty_test',
  description: 'Logs from deep inside its work, then succeeds or fails as the test says.',
  envPrefix: 'CHATTY_TEST',
  schedule: '0 0 0 1 1 *',
  trigger: { path: 'chatty-test', summary: 'Log and finish' },
});

/** What the next run does at its end. */
let ending: 'succeed' | 'upstream' = 'succeed';

/** Stands for code far from the job (a client, a repository) that logs without knowing the run. */
const deep = new Logger('DeepInside');

class CoinGeckoHttpError extends Error {
  readonly upstream = true;
  constructor() {
    super('CoinGecko answered 503 on /coins/markets after 5 attempts');
    this.name = 'CoinGeckoHttpError';
  }
}

@Injectable()
class ChattyJob extends ScheduledJob(CHATTY_JOB) {
  @JobHandler(CHATTY_JOB)
  async work(ctx: JobHandlerContext<typeof CHATTY_JOB>): Promise<void> {
    ctx.logger.info('from the job logger');
    await new Promise((resolve) => setImmediate(resolve));
    deep.log('retrying a request, 1/4');
    if (ending === 'upstream') throw new CoinGeckoHttpError();
  }
}

@JobModule(CHATTY_JOB, { providers: [ChattyJob] })
class ChattyJobModule {}

const TOKEN = 'logs-test-token-0123456789abcdef';

interface Line {
  level: number;
  msg: string;
  runId?: string;
  job?: string;
  context?: string;
  req?: { id: string; url: string };
  err?: { type: string; message: string; stack?: string };
  [field: string]: unknown;
}

describe('log lines', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let baseUrl: string;
  const raw: string[] = [];
  const lines = (): Line[] => raw.map((line) => JSON.parse(line) as Line);

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ app } = await createApp(
      {
        ...QUIET_ENV,
        LOG_LEVEL: 'debug',
        DATABASE_URL: db.url,
        API_TOKENS: TOKEN,
        JOB_MAX_ATTEMPTS: '1',
        PORT: '0',
        HOST: '127.0.0.1',
      },
      { jobs: [ChattyJobModule], logTo: { write: (line: string) => raw.push(line) } },
    ));
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    baseUrl = `http://127.0.0.1:${address.port}`;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  async function run(): Promise<string> {
    const started = await app.get(JobRunnerService).run({ job: CHATTY_JOB.key, trigger: 'manual' });
    if (started.kind !== 'started') throw new Error(started.kind);
    return (await started.completion).run_id;
  }

  it('gives every line written while a run is in progress its job and runId, once', async () => {
    ending = 'succeed';
    const runId = await run();
    const during = raw.filter((line) => line.includes(runId));
    const messages = during.map((line) => (JSON.parse(line) as Line).msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'Starting job: chatty_test',
        'from the job logger',
        'retrying a request, 1/4',
        "Job 'chatty_test' completed successfully: 0 processed, 0 created, 0 updated, 0 skipped",
      ]),
    );
    const deepLine = lines().find((line) => line.msg === 'retrying a request, 1/4' && line.runId === runId);
    expect(deepLine).toMatchObject({ job: 'chatty_test', runId, context: 'DeepInside' });
    // Bound by the runner's child logger and by the run scope: still one key in the JSON.
    for (const line of during) expect(line.split('"runId"').length - 1).toBe(1);
  });

  it('logs an expected upstream failure with its message and no stack; the stack only at debug', async () => {
    ending = 'upstream';
    const runId = await run();
    const failed = lines().find(
      (line) => line.runId === runId && line.msg.startsWith("Job 'chatty_test' failed"),
    );
    expect(failed?.level).toBe(50);
    expect(failed?.msg).toBe(
      "Job 'chatty_test' failed: CoinGecko answered 503 on /coins/markets after 5 attempts",
    );
    expect(failed?.err).toMatchObject({
      type: 'CoinGeckoHttpError',
      message: 'CoinGecko answered 503 on /coins/markets after 5 attempts',
      upstream: true,
    });
    expect(failed?.err).not.toHaveProperty('stack');
    const withStack = lines().filter((line) => line.runId === runId && line.err?.stack);
    expect(withStack.length).toBeGreaterThan(0);
    expect(withStack.every((line) => line.level === 20)).toBe(true);
  });

  it('logs each HTTP request once, the dashboard and /metrics included', async () => {
    for (const path of ['/metrics', '/dashboard', '/api/v1/jobs']) {
      const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      await response.arrayBuffer();
      const id = response.headers.get('x-request-id');
      expect(id).toBeTruthy();
      await waitFor(() => lines().some((line) => line.req?.id === id && 'responseTime' in line));
      expect(lines().filter((line) => line.req?.id === id && 'responseTime' in line)).toHaveLength(1);
    }
  });

  it('says why a request was refused on its 4xx line', async () => {
    const response = await fetch(`${baseUrl}/api/v1/alerts?limit=0`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(400);
    const id = response.headers.get('x-request-id');
    await waitFor(() => lines().some((line) => line.req?.id === id && 'responseTime' in line));
    const line = lines().find((entry) => entry.req?.id === id && 'responseTime' in entry);
    expect(line).toMatchObject({
      level: 40,
      msg: 'GET /api/v1/alerts?limit=0 400: limit must be an integer between 1 and 200',
      reason: 'limit must be an integer between 1 and 200',
    });
  });

  it("keeps Nest's module and route lines at debug, and remembers the routes for the summary", () => {
    const framework = lines().filter((line) =>
      ['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication'].includes(
        line.context ?? '',
      ),
    );
    expect(framework.length).toBeGreaterThan(10);
    expect(framework.every((line) => line.level === 20)).toBe(true);
    expect(app.get(AppLogger).routes()).toEqual(
      expect.arrayContaining(['GET /api/v1/alerts', 'GET /health/ready', 'POST /api/v1/jobs/chatty-test']),
    );
  });

  it('answers readiness probes 503 while shutting down without a warning per probe', async () => {
    await app.get(JobRunnerService).shutdown(100);
    const before = raw.length;
    for (let probe = 0; probe < 3; probe++) {
      const response = await fetch(`${baseUrl}/health/ready`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'shutting down',
        checks: { shutdown: { status: 'down', message: 'shutting down' } },
      });
    }
    expect(
      lines()
        .slice(before)
        .filter((line) => line.level >= 40),
    ).toEqual([]);
  });
});

/** Waits for a condition the logger meets asynchronously (pino-http logs on the response's `finish`). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let tries = 0; tries < 200 && !condition(); tries++)
    await new Promise((resolve) => setTimeout(resolve, 10));
}
