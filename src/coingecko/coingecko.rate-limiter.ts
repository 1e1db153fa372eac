import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { currentRun } from '../jobs/run-context.js';
import { CoinGeckoBudgetError } from './coingecko.errors.js';
import { CoinGeckoYieldError, currentPriority } from './limiter/call-priority.js';
import type { SlotAnswer, SlotRequest, UncountRequest } from './limiter/rate-limit.repository.js';

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

/** Where the limiter keeps its window: PostgreSQL (`RateLimitRepository`) or one process (`MemorySlotStore`). */
export interface SlotStore {
  reserveSlot(request: SlotRequest): Promise<SlotAnswer>;
  uncount(request: UncountRequest): Promise<void>;
  hold(key: string, retryAfterMs: number, now?: number): Promise<void>;
}

export interface RateLimiterOptions {
  store: SlotStore;
  /** Requests allowed to start in any window of `windowMs` (the plan's figure, not divided by replicas). */
  limit: number;
  windowMs: number;
  /** Added to the window so that latency and timer jitter never put request N+1 inside the upstream's window. */
  marginMs: number;
  /** Calls allowed per UTC month (null: no cap). */
  monthlyBudget: number | null;
  /** The row in `rate_limit_windows`. */
  key?: string;
  /**
   * A provider other than CoinGecko (`coinpaprika`): its calls are counted in `provider_calls` under this
   * name, and `label` and `budgetError` name it. Unset: CoinGecko's limit and tables.
   */
  provider?: string;
  /** How log lines and errors name the provider (default `CoinGecko`). */
  label?: string;
  /** The error for a spent budget (default CoinGeckoBudgetError). */
  budgetError?: (budget: number, resetsAt: Date) => Error;
  /** Tests inject time: the store then decides with this clock instead of the database's. */
  now?: () => number;
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The job a call is counted under when no run is executing it (e.g. a script using the client directly). */
export const UNATTRIBUTED_JOB = 'unattributed';

const DB_RETRY_FIRST_MS = 250;
const DB_RETRY_MAX_MS = 5000;

/**
 * One CoinGecko rate limit and monthly budget for every replica on the database: at most `limit`
 * requests start in any window of `windowMs + marginMs`, whichever replica sends them. Another provider
 * (CoinPaprika) gets its own instance with its own `key`, `provider` and `label`: the same rules on its own row.
 *
 * Each request costs one statement (`RateLimitRepository.reserveSlot`) that reserves its start time in a
 * sliding-window log, counts it for the month and checks the budget; the request then sleeps until its
 * start time. Reservations are handed out in the order the statements take the row lock, so waiters are
 * served first come, first served across replicas. A `Retry-After` is written to the same row and
 * delays every later reservation on any replica. When the database cannot be reached the request waits
 * and tries again; it is never sent without a reservation.
 */
export class CoinGeckoRateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly key: string;
  readonly label: string;
  private readonly logger = new Logger(CoinGeckoRateLimiter.name);
  private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly clock: () => number;
  /** How late a request may wake for its slot and still take it: half the margin, so the margin holds. */
  private readonly lateToleranceMs: number;
  private heldUntil = 0;
  private closed = false;
  private outage = false;

  constructor(private readonly options: RateLimiterOptions) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`rate limit must be a positive integer, got ${options.limit}`);
    }
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.key = options.key ?? 'coingecko';
    this.label = options.label ?? 'CoinGecko';
    this.wait = options.wait ?? abortableSleep;
    this.clock = options.now ?? Date.now;
    this.lateToleranceMs = options.marginMs / 2;
  }

  /**
   * Waits until this request may start. Rejects with `signal.reason` when the signal fires first, and
   * with CoinGeckoBudgetError (nothing sent, nothing counted) when the month's budget is spent. A request
   * made under `withLowPriority` rejects with CoinGeckoYieldError (nothing sent or counted) when no slot
   * meets its terms.
   */
  async acquire(endpoint: string, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw new Error(`${this.label} rate limiter is closed (the service is shutting down)`);
    signal?.throwIfAborted();
    const run = currentRun();
    const job = run?.job ?? UNATTRIBUTED_JOB;
    const priority = currentPriority();
    const terms = { notAfter: priority?.notAfter, yieldTo: priority?.yieldTo };
    const answer = await this.reserve({ job, endpoint, runId: run?.runId, ...terms }, signal);
    if (!answer.admitted) {
      if ('yielded' in answer) throw new CoinGeckoYieldError(endpoint);
      const budget = this.options.monthlyBudget ?? 0;
      const resetsAt = nextMonthStart(answer.month, this.clock());
      throw this.options.budgetError?.(budget, resetsAt) ?? new CoinGeckoBudgetError(budget, resetsAt);
    }
    try {
      for (let slot = answer; ;) {
        const due = this.clock() + slot.waitMs;
        await this.wait(slot.waitMs, signal);
        // A 429 seen by this replica while the request waited.
        await this.waitWhileHeld(signal);
        // Woken too late (a busy event loop, a hold): starting now could put this request inside the
        // window of the one reserved N slots later. Take a fresh slot instead (already counted).
        if (this.clock() - due <= this.lateToleranceMs) break;
        const next = await this.reserve({ job, endpoint, runId: run?.runId, count: false, ...terms }, signal);
        // Its first slot met the terms, a later one may not: the catch below takes the count back.
        if (!next.admitted && 'yielded' in next) throw new CoinGeckoYieldError(endpoint);
        if (!next.admitted) break; // Only a counted reservation checks the budget: never here.
        slot = next;
      }
    } catch (error) {
      // Reserved and counted, but never sent: take the count back (the window slot stays spent, erring safe).
      this.options.store
        .uncount({
          key: this.key,
          job,
          endpoint,
          runId: run?.runId,
          now: this.options.now?.(),
          ...this.provider(),
        })
        .catch((failure: unknown) =>
          this.logger.warn({ err: failure }, `Could not uncount an unsent ${this.label} call`),
        );
      throw error;
    }
  }

  /** Every replica waits `retryAfterMs` (from a 429's `Retry-After`) before its next request starts. */
  hold(retryAfterMs: number): void {
    this.heldUntil = Math.max(this.heldUntil, this.clock() + retryAfterMs);
    this.options.store
      .hold(this.key, retryAfterMs, this.options.now?.())
      .catch((error: unknown) =>
        this.logger.warn(
          { err: error },
          `Could not share a ${this.label} Retry-After with the other replicas`,
        ),
      );
  }

  close(): void {
    this.closed = true;
  }

  private async reserve(
    call: Pick<SlotRequest, 'job' | 'endpoint' | 'runId' | 'count' | 'notAfter' | 'yieldTo'>,
    signal?: AbortSignal,
  ): Promise<SlotAnswer> {
    let delayMs = DB_RETRY_FIRST_MS;
    for (;;) {
      await this.waitWhileHeld(signal);
      try {
        const answer = await this.options.store.reserveSlot({
          key: this.key,
          limit: this.limit,
          windowMs: this.windowMs + this.options.marginMs,
          budget: this.options.monthlyBudget,
          ...call,
          now: this.options.now?.(),
          ...this.provider(),
        });
        if (this.outage) this.logger.log(`${this.label} rate limit reachable again in the database`);
        this.outage = false;
        return answer;
      } catch (error) {
        signal?.throwIfAborted();
        if (this.closed) throw error;
        if (!this.outage) {
          this.logger.warn(
            { err: error },
            `${this.label} requests wait: the shared rate limit is unreachable in the database (${errorText(error)}); retrying`,
          );
        }
        this.outage = true;
        await this.wait(delayMs, signal);
        delayMs = Math.min(delayMs * 2, DB_RETRY_MAX_MS);
      }
    }
  }

  private provider(): { provider?: string } {
    return this.options.provider === undefined ? {} : { provider: this.options.provider };
  }

  private async waitWhileHeld(signal?: AbortSignal): Promise<void> {
    // Again only if a later Retry-After arrived during the wait.
    for (let waited = 0; this.heldUntil > waited;) {
      waited = this.heldUntil;
      const left = waited - this.clock();
      if (left > 0) await this.wait(left, signal);
    }
  }
}

/** The instant a month's budget resets: 00:00 UTC on the first day of the next month. */
export function nextMonthStart(month: string, fallbackNow: number): Date {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const now = new Date(fallbackNow);
  const [year, monthIndex] = match
    ? [Number(match[1]), Number(match[2]) - 1]
    : [now.getUTCFullYear(), now.getUTCMonth()];
  return new Date(Date.UTC(year, monthIndex + 1, 1));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
