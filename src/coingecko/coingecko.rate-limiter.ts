import Bottleneck from 'bottleneck';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RateLimiterOptions {
  /** Requests allowed in any window of `windowMs`. */
  limit: number;
  windowMs: number;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it fires. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    // timers/promises rejects with its own AbortError; callers expect the reason the job gave.
    signal?.throwIfAborted();
    throw error;
  }
}

/**
 * One limiter for every CoinGecko request of the process, whatever job sends it: at most `limit`
 * requests start in any window of `windowMs` (a minute in production), first come first served.
 *
 * Built on Bottleneck's reservoir (a bucket of `limit` tokens with a FIFO queue of waiters). Each token
 * is given back exactly one window after it was spent, rather than the bucket being refilled on a fixed
 * clock: a fixed refill lets a burst at the end of one window and another at the start of the next put
 * 2×limit requests inside one minute, twice what the plan allows. So the limiter never exceeds the plan,
 * and never makes a request wait when fewer than `limit` went out in the last window.
 *
 * A 429 with `Retry-After` holds every request (not just the one that got it) until that moment.
 */
export class CoinGeckoRateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly bottleneck: Bottleneck;
  private readonly refills = new Set<NodeJS.Timeout>();
  private heldUntil = 0;
  private closed = false;

  constructor(options: RateLimiterOptions) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`rate limit must be a positive integer, got ${options.limit}`);
    }
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.bottleneck = new Bottleneck({ reservoir: options.limit, maxConcurrent: null });
  }

  /**
   * Waits for a token. Rejects with `signal.reason` when the signal fires first; a waiter that gives up
   * leaves the queue without spending a token.
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.closed) throw new Error('CoinGecko rate limiter is closed (the service is shutting down)');
    signal?.throwIfAborted();
    await this.waitWhileHeld(signal);

    let abandoned = false;
    const granted = this.bottleneck.schedule(async () => {
      if (abandoned) {
        this.giveBack(0);
        return;
      }
      this.giveBack(this.windowMs);
    });
    if (signal) {
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<void>((resolve) => {
        onAbort = () => {
          abandoned = true;
          resolve();
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
      // After an abort the queued entry still runs once; it then returns its token at once.
      granted.catch(() => undefined);
      try {
        await Promise.race([granted, aborted]);
      } finally {
        if (onAbort) signal.removeEventListener('abort', onAbort);
      }
      signal.throwIfAborted();
    } else {
      await granted;
    }
    // A 429 may have arrived while this request queued.
    await this.waitWhileHeld(signal);
  }

  /** Makes every request wait until `epochMs` (from a `Retry-After`); never shortens an existing hold. */
  holdUntil(epochMs: number): void {
    this.heldUntil = Math.max(this.heldUntil, epochMs);
  }

  /** Tokens available right now (for tests and diagnostics). */
  async available(): Promise<number> {
    return (await this.bottleneck.currentReservoir()) ?? this.limit;
  }

  /** Drops the queue and the refill timers (module shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.refills) clearTimeout(timer);
    this.refills.clear();
    await this.bottleneck.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }

  private async waitWhileHeld(signal?: AbortSignal): Promise<void> {
    for (let wait = this.heldUntil - Date.now(); wait > 0; wait = this.heldUntil - Date.now()) {
      await abortableSleep(wait, signal);
    }
  }

  private giveBack(afterMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.refills.delete(timer);
      if (!this.closed) void this.bottleneck.incrementReservoir(1).catch(() => undefined);
    }, afterMs);
    timer.unref();
    this.refills.add(timer);
  }
}
