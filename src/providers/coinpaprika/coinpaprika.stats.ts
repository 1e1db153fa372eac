import { COINPAPRIKA_ENDPOINTS, type CoinPaprikaEndpoint } from './coinpaprika.types.js';

/** Counters of one CoinPaprika endpoint since the process started (the `cpb_provider_*` metrics). */
export interface ProviderEndpointStats {
  /** HTTP requests sent (every attempt counts). */
  requests: number;
  /** Answers that were 429s. */
  rateLimited: number;
  /** Attempts repeated after a transient failure. */
  retries: number;
  /** Calls that failed in the end (after their retries). */
  failures: number;
  /** Items dropped because they did not match the schema. */
  skippedItems: number;
}

export class CoinPaprikaStats {
  private readonly counters = new Map<CoinPaprikaEndpoint, ProviderEndpointStats>(
    COINPAPRIKA_ENDPOINTS.map((endpoint) => [
      endpoint,
      { requests: 0, rateLimited: 0, retries: 0, failures: 0, skippedItems: 0 },
    ]),
  );

  add(endpoint: CoinPaprikaEndpoint, counter: keyof ProviderEndpointStats, amount = 1): void {
    const stats = this.counters.get(endpoint);
    if (stats) stats[counter] += amount;
  }

  /** A copy: callers cannot change the live counters. */
  snapshot(): Record<CoinPaprikaEndpoint, ProviderEndpointStats> {
    const copy = {} as Record<CoinPaprikaEndpoint, ProviderEndpointStats>;
    for (const [endpoint, stats] of this.counters) copy[endpoint] = { ...stats };
    return copy;
  }
}
