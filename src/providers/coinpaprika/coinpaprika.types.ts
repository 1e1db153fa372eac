/**
 * CoinPaprika's objects as this service reads them (NOTES.md: the ticker object, `/coins`, historical
 * ticks). Amounts are decimal text exactly as sent, `null` when sent null or absent.
 */

export type CoinPaprikaEndpoint = '/tickers' | '/tickers/{id}' | '/tickers/{id}/historical' | '/coins';

export const COINPAPRIKA_ENDPOINTS: readonly CoinPaprikaEndpoint[] = [
  '/tickers',
  '/tickers/{id}',
  '/tickers/{id}/historical',
  '/coins',
];

/** One entry of `GET /coins`. */
export interface CoinPaprikaCoin {
  /** `<symbol>-<name slug>`, lower case: `btc-bitcoin`. */
  id: string;
  name: string;
  /** As sent (upper case); NOT unique. */
  symbol: string;
  /** 0 for coins without a rank. */
  rank: number;
  isNew: boolean;
  isActive: boolean;
  type: string;
}

/** One `GET /tickers?quotes=USD` entry (USD quote only). */
export interface CoinPaprikaTicker {
  id: string;
  name: string;
  symbol: string;
  rank: number;
  priceUsd: string | null;
  volume24hUsd: string | null;
  marketCapUsd: string | null;
  percentChange24h: string | null;
  lastUpdated: string | null;
}

/** One point of `GET /tickers/{id}/historical`. */
export interface CoinPaprikaHistoricalTick {
  timestamp: string;
  price: string;
  volume24h: string | null;
  marketCap: string | null;
}
