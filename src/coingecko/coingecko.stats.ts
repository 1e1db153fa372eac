import { COINGECKO_ENDPOINTS, type CoinGeckoEndpoint, type EndpointStats } from './coingecko.types.js';

/** Per-endpoint counters since start-up; read by the metrics endpoint through `CoinGeckoClient.stats()`. */
export class CoinGeckoStats {
  private readonly counters = new Map<CoinGeckoEndpoint, EndpointStats>(
    COINGECKO_ENDPOINTS.map((endpoint) => [
      endpoint,
      { requests: 0, rateLimited: 0, retries: 0, failures: 0, bytes: 0, skippedItems: 0 },
    ]),
  );

  add(endpoint: CoinGeckoEndpoint, counter: keyof EndpointStats, amount = 1): void {
    const stats = this.counters.get(endpoint);
    if (stats) stats[counter] += amount;
  }

  /** A copy: callers cannot change the live counters. */
  snapshot(): Record<CoinGeckoEndpoint, EndpointStats> {
    const copy = {} as Record<CoinGeckoEndpoint, EndpointStats>;
    for (const [endpoint, stats] of this.counters) copy[endpoint] = { ...stats };
    return copy;
  }
}
