import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { JobTimeoutError } from '../../jobs/job-errors.js';
import { withinRun } from '../../jobs/run-context.js';
import { logMethod, runFields, serializeError } from './log-shaping.js';
import { startupSummary } from './startup-summary.js';

function capture(level: pino.Level = 'info') {
  const records: Record<string, unknown>[] = [];
  const logger = pino(
    { level, mixin: runFields, hooks: { logMethod }, serializers: { err: serializeError } },
    { write: (line: string) => records.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, records };
}

describe('log shaping', () => {
  it('names the run of the code that logs, without repeating what a child logger already binds', () => {
    const { logger, records } = capture();
    withinRun({ job: 'price_collection', runId: 'r1' }, () => {
      logger.info('deep inside');
      logger.child({ job: 'price_collection', runId: 'r1' }).info('from the run logger');
    });
    logger.info('outside');
    expect(records.map(({ msg, job, runId }) => ({ msg, job, runId }))).toEqual([
      { msg: 'deep inside', job: 'price_collection', runId: 'r1' },
      { msg: 'from the run logger', job: 'price_collection', runId: 'r1' },
      { msg: 'outside', job: undefined, runId: undefined },
    ]);
  });

  it('drops the stack of an expected failure at warn and above; keeps it at debug', () => {
    const quiet = capture('info');
    quiet.logger.warn({ err: new JobTimeoutError(1000) }, 'Job failed');
    expect(quiet.records).toHaveLength(1);
    expect(quiet.records[0]).toMatchObject({
      msg: 'Job failed',
      err: { type: 'JobTimeoutError', message: 'timed out after 1000 ms', timeoutMs: 1000 },
    });
    expect(quiet.records[0]?.err).not.toHaveProperty('stack');
    const verbose = capture('debug');
    verbose.logger.error({ err: new JobTimeoutError(1000) }, 'Job failed');
    expect(verbose.records).toHaveLength(2);
    expect(verbose.records[1]).toMatchObject({ level: 20, msg: 'Details of: Job failed' });
    expect((verbose.records[1]?.err as { stack?: string }).stack).toContain('JobTimeoutError');

    const unexpected = capture('info');
    unexpected.logger.error({ err: new Error('boom') }, 'crashed');
    expect((unexpected.records[0]?.err as { stack?: string }).stack).toContain('Error: boom');
  });

  it('never serialises the live objects a driver error references', () => {
    const error = Object.assign(new Error('Connection terminated unexpectedly'), {
      code: 'ECONNRESET',
      client: { huge: 'x'.repeat(10_000) },
      connection: { stream: {} },
    });
    const { logger, records } = capture();
    logger.warn({ err: error }, 'lost it');
    expect(records[0]?.err).toMatchObject({
      message: 'Connection terminated unexpectedly',
      code: 'ECONNRESET',
    });
    expect(records[0]?.err).not.toHaveProperty('client');
    expect(records[0]?.err).not.toHaveProperty('connection');
  });

  it('summarises routes and jobs in one start-up line', () => {
    const base = { enabled: true, schedule: '0 */15 * * * *', limit: 100, timeoutMs: 1000, settings: {} };
    expect(
      startupSummary({
        url: 'http://0.0.0.0:3001',
        routes: ['GET /api/v1/jobs', 'POST /api/v1/jobs/collect-prices', 'GET /metrics'],
        jobs: [
          { key: 'price_collection', settings: base },
          { key: 'top_coins_collection', settings: { ...base, enabled: false } },
        ],
      }).message,
    ).toBe(
      'Listening on http://0.0.0.0:3001: 3 routes (2 under /api/v1; docs at /docs, dashboard at /dashboard); ' +
        'jobs: price_collection (0 */15 * * * *), top_coins_collection (disabled)',
    );
  });
});
