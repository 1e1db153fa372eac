import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobCancelledError, QueueTimeoutError } from '../job-errors.js';
import type { JobRunRecord } from '../job-runs.repository.js';
import { ConcurrencyQueue } from './concurrency-queue.js';

const logger = pino({ level: 'silent' });
const queued = { id: 'r1', jobKey: 'demo', status: 'queued' } as JobRunRecord;
const running = { ...queued, status: 'running' } as JobRunRecord;

describe('ConcurrencyQueue', () => {
  let now: number;
  const clock = { now: () => new Date(now) };

  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
  });
  afterEach(() => vi.useRealTimers());

  function queue(promote: () => Promise<JobRunRecord | undefined>) {
    return new ConcurrencyQueue(
      { promote },
      'me',
      { maxConcurrent: 2, queueTimeoutMs: 1000, pollMs: 100 },
      clock,
    );
  }

  it('lets a run that is not queued through at once', async () => {
    const promote = vi.fn(async () => running);
    expect(await queue(promote).admit(running, new AbortController().signal, logger)).toBe(running);
    expect(promote).not.toHaveBeenCalled();
  });

  it('asks for a slot every poll until the database grants one, and lists the run as waiting meanwhile', async () => {
    let grant = false;
    const promote = vi.fn(async () => (grant ? running : undefined));
    const instance = queue(promote);
    const admitted = instance.admit(queued, new AbortController().signal, logger);
    await vi.advanceTimersByTimeAsync(250);
    expect(promote).toHaveBeenCalledTimes(3);
    expect([...instance.waiting]).toEqual([['r1', 'demo']]);
    grant = true;
    await vi.advanceTimersByTimeAsync(100);
    expect(await admitted).toBe(running);
    expect(instance.waiting.size).toBe(0);
  });

  it('asks at once when a run of this process ends (wake)', async () => {
    let grant = false;
    const promote = vi.fn(async () => (grant ? running : undefined));
    const instance = queue(promote);
    const admitted = instance.admit(queued, new AbortController().signal, logger);
    await vi.advanceTimersByTimeAsync(0);
    grant = true;
    instance.wake();
    expect(await admitted).toBe(running);
    expect(promote).toHaveBeenCalledTimes(2);
  });

  it('gives up after JOB_QUEUE_TIMEOUT_MS measured on the injected clock', async () => {
    const instance = queue(async () => undefined);
    const admitted = instance.admit(queued, new AbortController().signal, logger).catch((e: unknown) => e);
    now = 1000;
    await vi.advanceTimersByTimeAsync(100);
    const error = await admitted;
    expect(error).toBeInstanceOf(QueueTimeoutError);
    expect((error as Error).message).toBe('waited 1000 ms for a concurrency slot');
  });

  it('stops waiting when the signal fires (cancel, shutdown)', async () => {
    const controller = new AbortController();
    const admitted = queue(async () => undefined).admit(queued, controller.signal, logger);
    await vi.advanceTimersByTimeAsync(50);
    controller.abort(new JobCancelledError('alice'));
    await expect(admitted).rejects.toThrow('cancelled by alice');
  });

  it('keeps waiting, never starting unchecked, while the database cannot be asked', async () => {
    let calls = 0;
    const promote = async (): Promise<JobRunRecord | undefined> => {
      calls += 1;
      if (calls < 3) throw new Error('connect ECONNREFUSED');
      return running;
    };
    const admitted = queue(promote).admit(queued, new AbortController().signal, logger);
    await vi.advanceTimersByTimeAsync(200);
    expect(await admitted).toBe(running);
    expect(calls).toBe(3);
  });
});
