import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The run whose work is executing right now, carried across awaits. The runner enters it around each
 * job function, so code far from the job — the CoinGecko client's retries and rate-limit waits, the call
 * accounting, every log line — can name the run without the job passing it along.
 */
export interface RunScope {
  /** The job key, e.g. `price_collection`. */
  readonly job: string;
  readonly runId: string;
}

const storage = new AsyncLocalStorage<RunScope>();

export function currentRun(): RunScope | undefined {
  return storage.getStore();
}

export function withinRun<T>(scope: RunScope, work: () => T): T {
  return storage.run(scope, work);
}
