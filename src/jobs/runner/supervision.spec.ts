import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobCancelledError, JobTimeoutError, RunAbandonedError } from '../job-errors.js';
import { settledWithin, sleep, supervise, untilAborted } from './supervision.js';

const logger = pino({ level: 'silent' });

describe('supervise', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function start(heartbeat: () => Promise<{ alive: boolean; cancelledBy: string | null }>) {
    const controller = new AbortController();
    const supervision = supervise({
      runId: 'r1',
      controller,
      timeoutMs: 1000,
      heartbeatMs: 100,
      heartbeat,
      logger,
    });
    return { controller, supervision };
  }

  it('aborts with JobTimeoutError when the timeout passes, counted from startTimeout', async () => {
    const { controller, supervision } = start(async () => ({ alive: true, cancelledBy: null }));
    await vi.advanceTimersByTimeAsync(5000);
    expect(controller.signal.aborted).toBe(false);
    supervision.startTimeout();
    await vi.advanceTimersByTimeAsync(999);
    expect(controller.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(controller.signal.reason).toBeInstanceOf(JobTimeoutError);
    supervision.stop();
  });

  it('heartbeats every interval and aborts when the run is no longer ours', async () => {
    let beats = 0;
    const { controller, supervision } = start(async () => ({ alive: ++beats < 3, cancelledBy: null }));
    await vi.advanceTimersByTimeAsync(250);
    expect(beats).toBe(2);
    expect(controller.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    expect(controller.signal.reason).toBeInstanceOf(RunAbandonedError);
    supervision.stop();
  });

  it('aborts with JobCancelledError naming who asked, within one heartbeat of the request', async () => {
    let cancelledBy: string | null = null;
    const { controller, supervision } = start(async () => ({ alive: true, cancelledBy }));
    await vi.advanceTimersByTimeAsync(100);
    cancelledBy = 'alice';
    await vi.advanceTimersByTimeAsync(100);
    expect(controller.signal.reason).toEqual(new JobCancelledError('alice'));
    supervision.stop();
  });

  it('keeps going when a heartbeat fails, and stops beating after stop()', async () => {
    let beats = 0;
    const { controller, supervision } = start(async () => {
      beats += 1;
      throw new Error('connection reset');
    });
    await vi.advanceTimersByTimeAsync(300);
    expect(beats).toBe(3);
    supervision.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(beats).toBe(3);
    expect(controller.signal.aborted).toBe(false);
  });
});

describe('signal helpers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("untilAborted rejects with the signal's reason while the work goes on", async () => {
    const controller = new AbortController();
    const pending = untilAborted(new Promise(() => undefined), controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });

  it('sleep resolves after its time, or rejects when the signal aborts', async () => {
    const done = vi.fn();
    void sleep(100).then(done);
    await vi.advanceTimersByTimeAsync(99);
    expect(done).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toHaveBeenCalled();
    const controller = new AbortController();
    const aborted = sleep(10_000, controller.signal);
    controller.abort(new Error('shutdown'));
    await expect(aborted).rejects.toThrow('shutdown');
  });

  it('settledWithin waits for the work or the grace period, whichever is first', async () => {
    const done = vi.fn();
    void settledWithin(new Promise(() => undefined), 5000).then(done);
    await vi.advanceTimersByTimeAsync(4999);
    expect(done).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toHaveBeenCalled();
  });
});
