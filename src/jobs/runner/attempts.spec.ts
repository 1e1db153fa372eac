import { describe, expect, it } from 'vitest';
import { RetryableJobError } from '../job-errors.js';
import { emptyMetrics } from '../job-result.js';
import { backoffMs, normaliseMetrics, runAttempts, type AttemptsOptions } from './attempts.js';

const policy = { maxAttempts: 3, retryBaseMs: 1, retryMaxMs: 4 };

function options(overrides: Partial<AttemptsOptions> & Pick<AttemptsOptions, 'start'>): AttemptsOptions {
  return {
    policy,
    signal: new AbortController().signal,
    onRetry: () => undefined,
    onNextAttempt: async () => undefined,
    random: () => 0,
    ...overrides,
  };
}

describe('backoffMs', () => {
  it('grows exponentially with full jitter, capped at JOB_RETRY_MAX_MS', () => {
    const settings = { maxAttempts: 5, retryBaseMs: 1000, retryMaxMs: 60_000 };
    expect(backoffMs(settings, 1, undefined, () => 1)).toBe(1000);
    expect(backoffMs(settings, 3, undefined, () => 1)).toBe(4000);
    expect(backoffMs(settings, 3, undefined, () => 0.5)).toBe(2000);
    expect(backoffMs(settings, 20, undefined, () => 1)).toBe(60_000);
  });

  it('waits at least what the error asked for, but never beyond the cap', () => {
    const settings = { maxAttempts: 5, retryBaseMs: 1000, retryMaxMs: 60_000 };
    expect(backoffMs(settings, 1, 30_000, () => 0)).toBe(30_000);
    expect(backoffMs(settings, 1, 600_000, () => 0)).toBe(60_000);
  });
});

describe('runAttempts', () => {
  it('repeats a retryable failure and reports each retry and the next attempt', async () => {
    const retries: [number, string, number][] = [];
    const next: number[] = [];
    const outcome = await runAttempts(
      options({
        start: (attempt) => ({
          work: attempt < 3 ? Promise.reject(new RetryableJobError(`busy ${attempt}`)) : Promise.resolve(),
          metrics: { ...emptyMetrics(), items_processed: attempt },
        }),
        onRetry: (attempt, failure, delay) => retries.push([attempt, (failure as Error).message, delay]),
        onNextAttempt: async (attempt) => void next.push(attempt),
      }),
    );
    expect(outcome).toMatchObject({ failed: false, attempts: 3, metrics: { items_processed: 3 } });
    expect(retries).toEqual([
      [1, 'busy 1', 0],
      [2, 'busy 2', 0],
    ]);
    expect(next).toEqual([2, 3]);
  });

  it('stops at once on a failure that is not retryable, keeping the metrics gathered so far', async () => {
    const outcome = await runAttempts(
      options({
        start: () => {
          const metrics = { ...emptyMetrics(), items_created: 2.4 };
          return { work: Promise.reject(new TypeError('bug')), metrics };
        },
      }),
    );
    expect(outcome).toMatchObject({ failed: true, attempts: 1, metrics: { items_created: 2 } });
    expect((outcome as { error: Error }).error).toBeInstanceOf(TypeError);
  });

  it('gives up after JOB_MAX_ATTEMPTS', async () => {
    let calls = 0;
    const outcome = await runAttempts(
      options({
        start: () => {
          calls += 1;
          return { work: Promise.reject(new RetryableJobError('still busy')), metrics: emptyMetrics() };
        },
      }),
    );
    expect(calls).toBe(3);
    expect(outcome).toMatchObject({ failed: true, attempts: 3 });
  });

  it("fails with the signal's reason when it aborts, even while the work ignores it", async () => {
    const controller = new AbortController();
    const reason = new Error('timed out after 5 ms');
    let settle!: () => void;
    const pending = runAttempts(
      options({
        signal: controller.signal,
        start: () => ({ work: new Promise<void>((resolve) => (settle = resolve)), metrics: emptyMetrics() }),
      }),
    );
    controller.abort(reason);
    settle(); // the job stops within its grace period
    expect(await pending).toMatchObject({ failed: true, attempts: 1, error: reason });
  });

  it('treats a job function that throws synchronously like a failed attempt', async () => {
    const outcome = await runAttempts(
      options({
        start: () => {
          throw new Error('not async');
        },
      }),
    );
    expect(outcome).toMatchObject({ failed: true, attempts: 1 });
  });
});

describe('normaliseMetrics', () => {
  it('turns counts into whole non-negative numbers', () => {
    expect(
      normaliseMetrics({
        items_processed: -1,
        items_created: Number.NaN,
        items_updated: 2.6,
        items_skipped: 1,
        custom: {},
      }),
    ).toEqual({ items_processed: 0, items_created: 0, items_updated: 3, items_skipped: 1, custom: {} });
  });
});
