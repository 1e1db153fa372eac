/**
 * The market-data providers this service can price from, by the name that `PRICE_PROVIDERS` lists, that
 * `asset_prices.source` (and every rollup, ranking and flag row) stores, and that metrics and usage
 * figures are labelled with. Adding one means a client implementing MarketDataProvider.
 */
export const PROVIDER_NAMES = ['coingecko', 'coinpaprika'] as const;

export type ProviderName = (typeof PROVIDER_NAMES)[number];

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(value);
}

/** How people write them in logs and errors. */
export const PROVIDER_LABELS: Record<ProviderName, string> = {
  coingecko: 'CoinGecko',
  coinpaprika: 'CoinPaprika',
};
