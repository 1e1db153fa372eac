import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import { DependencyFailedError } from '../job-errors.js';
import { emptyMetrics, type RunCompletion } from '../job-result.js';
import type { JobRunRecord } from '../job-runs.repository.js';
import { DependencyGate, type StartDependency } from './dependency-gate.js';

const logger = pino({ level: 'silent' });
const run = { jobName: 'downstream(limit=1)' } as JobRunRecord;
const signal = new AbortController().signal;

const completion = (overrides: Partial<RunCompletion>): RunCompletion => ({
  success: true,
  job_name: 'upstream',
  duration_ms: 1,
  started_at: '2026-03-01T10:00:00.000Z',
  completed_at: '2026-03-01T10:00:00.001Z',
  metrics: emptyMetrics(),
  run_id: 'dep-run',
  status: 'succeeded',
  attempts: 1,
  ...overrides,
});

function gate(options: { succeeded?: boolean; registered?: boolean; start?: StartDependency }) {
  const lookups: string[] = [];
  const started: string[] = [];
  const instance = new DependencyGate(
    {
      hasSucceeded: async (job) => {
        lookups.push(job);
        return options.succeeded ?? false;
      },
      get: async () => undefined,
    },
    () => options.registered ?? true,
    async (job) => {
      started.push(job);
      return options.start ? options.start(job) : { kind: 'slot_taken' };
    },
    systemClock,
  );
  return { instance, lookups, started };
}

describe('DependencyGate', () => {
  it('passes a dependency that succeeded once, and asks the database only until then', async () => {
    const { instance, lookups, started } = gate({ succeeded: true });
    await instance.pass(run, ['top'], signal, logger);
    await instance.pass(run, ['top'], signal, logger);
    expect(lookups).toEqual(['top']);
    expect(started).toEqual([]);
  });

  it('runs a dependency that never succeeded first', async () => {
    const { instance, started, lookups } = gate({
      start: async () => ({ kind: 'started', completion: Promise.resolve(completion({})) }),
    });
    await instance.pass(run, ['top'], signal, logger);
    await instance.pass(run, ['top'], signal, logger);
    expect(started).toEqual(['top']);
    expect(lookups).toEqual(['top']);
  });

  it('fails when the dependency fails, as an upstream failure when CoinGecko was the cause', async () => {
    const failed = completion({
      success: false,
      status: 'failed',
      error: 'CoinGecko 503',
      failure: { kind: 'upstream', message: 'CoinGecko 503' },
    });
    const { instance } = gate({
      start: async () => ({ kind: 'started', completion: Promise.resolve(failed) }),
    });
    const error = await instance.pass(run, ['top'], signal, logger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyFailedError);
    expect(error).toMatchObject({ message: 'dependency top failed: CoinGecko 503', upstream: true });
  });

  it('fails a dependency this process cannot run', async () => {
    const { instance } = gate({ registered: false });
    await expect(instance.pass(run, ['elsewhere'], signal, logger)).rejects.toThrow(
      'dependency elsewhere failed: it has never succeeded and is not available in this process',
    );
  });

  it('fails when the dependency could not be started', async () => {
    const { instance } = gate({});
    await expect(instance.pass(run, ['top'], signal, logger)).rejects.toThrow(
      'dependency top failed: could not be started (slot_taken)',
    );
  });
});
