import type { AppConfig } from '../../config/app-config.js';
import { COINGECKO_CAPABILITIES } from '../../providers/coingecko/coingecko.provider.js';
import { COINPAPRIKA_CAPABILITIES } from '../../providers/coinpaprika/coinpaprika.capabilities.js';
import type { ProviderCapabilities } from '../../providers/market-data-provider.js';
import type { ProviderName } from '../../providers/provider-name.js';

/**
 * Which provider the backfill asks for the daily range: CoinGecko when its plan reaches PRICE_HISTORY_BACKFILL_DAYS
 * back, else the first other provider of PRICE_PROVIDERS whose plan does (NOTES.md: CoinPaprika's daily history is
 * one year on the free plan, five on starter, unlimited beyond), else null: no configured plan can serve it, and the
 * service refuses to start. The hourly range (at most 90 days) is always CoinGecko's: every CoinGecko plan serves it.
 */
export function dailyHistorySource(
  config: Pick<AppConfig, 'coingecko' | 'coinpaprika' | 'providers'>,
  days: number,
): ProviderName | null {
  const capabilities: Record<ProviderName, ProviderCapabilities> = {
    coingecko: COINGECKO_CAPABILITIES[config.coingecko.plan],
    coinpaprika: COINPAPRIKA_CAPABILITIES[config.coinpaprika.plan],
  };
  const serves = (name: ProviderName) => {
    const reach = capabilities[name].history.daily;
    return reach === null || (reach > 0 && days <= reach);
  };
  if (serves('coingecko')) return 'coingecko';
  return config.providers.order.find((name) => name !== 'coingecko' && serves(name)) ?? null;
}
