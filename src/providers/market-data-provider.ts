import type { CallOptions, MarketChart, PagedCallOptions } from '../coingecko/coingecko.types.js';
import type { ProviderName } from './provider-name.js';

/**
 * What the jobs need from a market-data provider, whichever it is. CoinGecko and CoinPaprika each
 * implement it; the fallback chain (docs/providers.md) asks them in `PRICE_PROVIDERS` order.
 *
 * Amounts are decimal text as the provider sent it (never a JS float round trip), `null` when it sent
 * none. Every failure is an error whose message names the provider.
 */
export interface MarketDataProvider {
  readonly name: ProviderName;

  /** The first `limit` coins by market-cap rank. */
  marketsTop(limit: number, opts?: PagedCallOptions): Promise<ProviderQuote[]>;

  /**
   * Quotes of the given coins, by the provider's own ids. `missing` lists the asked ids it did not
   * answer for (unknown, delisted, or no price).
   */
  prices(providerIds: readonly string[], opts?: PagedCallOptions): Promise<ProviderPrices>;

  /** Points of one coin between `from` and `to` at the finest granularity the plan serves for that range. */
  historyRange(providerId: string, range: HistoryRange, opts?: CallOptions): Promise<ProviderHistoryPoint[]>;

  /** What the configured plan can serve: history is asked only within these limits. */
  capabilities(): ProviderCapabilities;
}

export interface ProviderQuote {
  /** The provider's id of the coin (`bitcoin`, `btc-bitcoin`). */
  providerId: string;
  symbol: string;
  name: string;
  rank: number | null;
  priceUsd: string | null;
  marketCapUsd: string | null;
  volume24hUsd: string | null;
  changePercent24h: string | null;
}

export interface ProviderPrices {
  items: ProviderQuote[];
  missing: string[];
}

export interface HistoryRange {
  from: Date;
  to: Date;
}

export interface ProviderHistoryPoint {
  at: Date;
  priceUsd: string;
  marketCapUsd: string | null;
  volume24hUsd: string | null;
}

/** How far back each granularity reaches on the plan, in days before now; 0 = not served, null = unlimited. */
export interface ProviderCapabilities {
  history: { daily: number | null; hourly: number | null; fiveMinute: number | null };
}

/** A provider's history points in the chart shape gap repair and the backfill match against slots. */
export function chartOf(points: readonly ProviderHistoryPoint[]): MarketChart {
  return {
    prices: points.map((point) => ({ at: point.at.getTime(), value: point.priceUsd })),
    marketCaps: points.map((point) => ({ at: point.at.getTime(), value: point.marketCapUsd })),
    totalVolumes: points.map((point) => ({ at: point.at.getTime(), value: point.volume24hUsd })),
  };
}
