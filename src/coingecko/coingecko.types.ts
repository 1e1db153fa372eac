/**
 * What `CoinGeckoClient` hands to its callers: CoinGecko's payloads parsed, checked and renamed to
 * camelCase. Amounts are decimal text exactly as CoinGecko wrote it (e.g. `"85156"`, `"9.9585e-08"`,
 * `"1.0e+15"`), ready for a PostgreSQL `numeric` column without a float round trip; `null` where CoinGecko
 * sent `null` or nothing.
 */

/** Options every client method takes. */
export interface CallOptions {
  /**
   * The job's signal (timeout, shutdown). When it fires, waits for the rate limiter, waits between
   * retries and the request in flight stop at once and the call rejects with `signal.reason`.
   */
  signal?: AbortSignal;
}

export interface PagedCallOptions extends CallOptions {
  /** Called after each page or batch with how many were fetched so far and how many there are in all. */
  onProgress?: (done: number, total: number) => void;
}

/** The endpoints the client calls; the keys of {@link CoinGeckoStats} and of `CoinGeckoError.endpoint`. */
export type CoinGeckoEndpoint =
  '/ping' | '/coins/markets' | '/coins/list' | '/global' | '/coins/{id}' | '/coins/{id}/market_chart/range';

export const COINGECKO_ENDPOINTS: readonly CoinGeckoEndpoint[] = [
  '/ping',
  '/coins/markets',
  '/coins/list',
  '/global',
  '/coins/{id}',
  '/coins/{id}/market_chart/range',
];

/** One coin of `/coins/markets` (vs_currency=usd). */
export interface MarketCoin {
  /** CoinGecko's id, as sent (may contain spaces, e.g. `"1move token"`). */
  id: string;
  /** As sent (lower-case); NOT unique across coins. */
  symbol: string;
  name: string;
  image: string | null;
  currentPrice: string | null;
  marketCap: string | null;
  marketCapRank: number | null;
  totalVolume: string | null;
  priceChangePercentage24h: string | null;
  circulatingSupply: string | null;
  totalSupply: string | null;
  maxSupply: string | null;
  /** ISO timestamp of CoinGecko's last update of this coin. */
  lastUpdated: string | null;
}

/** A list whose malformed items were dropped: `skipped` says how many. */
export interface ParsedList<T> {
  items: T[];
  skipped: number;
}

export interface MarketsByIdsResult extends ParsedList<MarketCoin> {
  /** Requested ids CoinGecko did not return (unknown, delisted or misspelt ids). */
  missing: string[];
}

/** One coin of `/coins/list?include_platform=true`. */
export interface CoinListItem {
  id: string;
  symbol: string;
  name: string;
  /**
   * Platform id → contract address, raw as CoinGecko sends it: `{}` for native coins, keys may be `""`,
   * addresses may be `""` or `null`, letter case as sent. Normalising is the caller's job.
   */
  platforms: Record<string, string | null>;
}

/** `/global`, the parts used for dominance. */
export interface GlobalMarket {
  totalMarketCapUsd: string | null;
  totalVolumeUsd: string | null;
  /** Symbol (`btc`, `eth`, …) → share of the total market cap in percent, as decimal text. */
  marketCapPercentage: Record<string, string>;
  /** When CoinGecko computed these figures; `null` when it did not say. */
  updatedAt: Date | null;
}

export interface DetailPlatform {
  /** Token decimals; `null` when CoinGecko does not know them (and for native coins). */
  decimalPlace: number | null;
  /** As sent; `""` for the native entry. */
  contractAddress: string;
}

/** `/coins/{id}` with tickers, market, community and developer data turned off. */
export interface CoinDetail {
  id: string;
  symbol: string;
  name: string;
  assetPlatformId: string | null;
  platforms: Record<string, string | null>;
  /** Platform id → decimals and address. `{}` when CoinGecko sent none (older responses had no such key). */
  detailPlatforms: Record<string, DetailPlatform>;
}

/** One point of a market chart series. */
export interface ChartPoint {
  /** Unix time in milliseconds (CoinGecko's sample times are not aligned to the minute). */
  at: number;
  /** Decimal text as sent; `null` when CoinGecko sent null. */
  value: string | null;
}

/** `/coins/{id}/market_chart/range?vs_currency=usd`: the three series, each in CoinGecko's order. */
export interface MarketChart {
  prices: ChartPoint[];
  marketCaps: ChartPoint[];
  totalVolumes: ChartPoint[];
}

export interface PingResult {
  geckoSays: string;
}

/** Counters of one endpoint since the process started. */
export interface EndpointStats {
  /** HTTP requests sent (every attempt counts). */
  requests: number;
  /** Answers that were rate-limit errors (HTTP 429 or a 429 error body). */
  rateLimited: number;
  /** Attempts repeated after a transient failure. */
  retries: number;
  /** Calls that failed in the end (after their retries). */
  failures: number;
  /** Response body bytes received (after decompression). */
  bytes: number;
  /** Items dropped because they did not match the schema. */
  skippedItems: number;
}
