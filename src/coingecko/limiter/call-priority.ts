import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A low-priority caller's terms for its next CoinGecko request, checked by the shared limiter in the same
 * statement that reserves the slot (so they hold across replicas): the request gets a slot only if that slot
 * starts no later than `notAfter` and no run of the `yieldTo` jobs is queued or running. Otherwise nothing is
 * reserved or counted and the request fails with `CoinGeckoYieldError`, for the caller to wait and ask again.
 */
export interface LowPriority {
  /** Epoch ms (the limiter's clock): the latest start the request may be given. */
  readonly notAfter?: number;
  /** Job keys whose queued or running runs take precedence. */
  readonly yieldTo?: readonly string[];
}

const storage = new AsyncLocalStorage<LowPriority>();

/**
 * Runs `work` with every CoinGecko request it makes (retries included) at low priority. Carried across
 * awaits, so the client and the transport need not pass it along.
 */
export function withLowPriority<T>(priority: LowPriority, work: () => T): T {
  return storage.run(priority, work);
}

export function currentPriority(): LowPriority | undefined {
  return storage.getStore();
}

/** A low-priority request that was given no slot: nothing was sent or counted. */
export class CoinGeckoYieldError extends Error {
  constructor(readonly endpoint: string) {
    super(`CoinGecko ${endpoint} yielded to the scheduled jobs' calls: no slot within its terms`);
    this.name = 'CoinGeckoYieldError';
  }
}
