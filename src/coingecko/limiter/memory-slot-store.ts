import type { SlotStore } from '../coingecko.rate-limiter.js';
import type { SlotAnswer, SlotRequest, UncountRequest } from './rate-limit.repository.js';

interface Window {
  starts: number[];
  heldUntil: number;
  month: string;
  monthCalls: number;
}

function monthOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 7);
}

/**
 * The sliding-window log of `RateLimitRepository.reserveSlot`, in one process's memory: what a single
 * replica would do without the database. The benchmark compares against it, and specs use it as the
 * reference the SQL must agree with. It has no job runs, so a request's `yieldTo` is not checked here
 * (its `notAfter` is).
 */
export class MemorySlotStore implements SlotStore {
  private readonly windows = new Map<string, Window>();
  /** Calls per `month|job|endpoint`. */
  readonly counts = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  reserveSlot(request: SlotRequest): Promise<SlotAnswer> {
    const now = request.now ?? this.clock();
    const month = monthOf(now);
    const window = this.window(request.key, month);
    const used = window.month === month ? window.monthCalls : 0;
    const counted = request.count ?? true;
    if (counted && request.budget !== null && used >= request.budget) {
      return Promise.resolve({ admitted: false, monthCalls: used, month });
    }
    const n = window.starts.length;
    const start = Math.max(
      now,
      window.heldUntil,
      window.starts[n - 1] ?? now,
      n >= request.limit ? window.starts[n - request.limit] + request.windowMs : now,
    );
    if (request.notAfter !== undefined && start > request.notAfter) {
      return Promise.resolve({ admitted: false, yielded: true });
    }
    window.starts = [...window.starts.slice(Math.max(0, n - request.limit + 1)), start];
    window.monthCalls = used + (counted ? 1 : 0);
    window.month = month;
    const countKey = `${month}|${request.job}|${request.endpoint}`;
    if (counted) this.counts.set(countKey, (this.counts.get(countKey) ?? 0) + 1);
    return Promise.resolve({ admitted: true, waitMs: start - now, monthCalls: window.monthCalls });
  }

  uncount(request: UncountRequest): Promise<void> {
    const month = monthOf(request.now ?? this.clock());
    const window = this.windows.get(request.key);
    if (window?.month === month) window.monthCalls = Math.max(0, window.monthCalls - 1);
    const countKey = `${month}|${request.job}|${request.endpoint}`;
    const count = this.counts.get(countKey);
    if (count !== undefined) this.counts.set(countKey, Math.max(0, count - 1));
    return Promise.resolve();
  }

  hold(key: string, retryAfterMs: number, now?: number): Promise<void> {
    const window = this.window(key, monthOf(now ?? this.clock()));
    window.heldUntil = Math.max(window.heldUntil, (now ?? this.clock()) + retryAfterMs);
    return Promise.resolve();
  }

  private window(key: string, month: string): Window {
    let window = this.windows.get(key);
    if (!window) {
      window = { starts: [], heldUntil: 0, month, monthCalls: 0 };
      this.windows.set(key, window);
    }
    return window;
  }
}
