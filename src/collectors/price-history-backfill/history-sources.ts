import type { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config.js';
import { COINGECKO_CAPABILITIES } from '../../providers/coingecko/coingecko.provider.js';
import { COINPAPRIKA_CAPABILITIES } from '../../providers/coinpaprika/coinpaprika.capabilities.js';
import type { ProviderCapabilities } from '../../providers/market-data-provider.js';
import type { ProviderName } from '../../providers/provider-name.js';
import { PRICE_HISTORY_BACKFILL_JOB, PUBLIC_PLAN_HISTORY_DAYS } from './price-history-backfill.job.js';

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

/**
 * Why the service must not start with these history settings (every call would be refused), or null. The daily
 * range may go to the next provider of PRICE_PROVIDERS whose plan serves it (`dailyElsewhere`, from
 * dailyHistorySource); the hourly range is CoinGecko's on every plan.
 */
export function unservableHistory(
  config: ConfigService<AppConfig, true>,
  dailyElsewhere: boolean,
): string | null {
  const plan = config.get('coingecko', { infer: true }).plan;
  if (plan === 'pro') return null;
  const settings = config.get('jobs', { infer: true }).byKey[PRICE_HISTORY_BACKFILL_JOB.key]?.settings ?? {};
  for (const name of ['PRICE_HISTORY_BACKFILL_DAYS', 'PRICE_HISTORY_BACKFILL_HOURLY_DAYS']) {
    const days = settings[name];
    if (typeof days !== 'number' || days <= PUBLIC_PLAN_HISTORY_DAYS) continue;
    if (name === 'PRICE_HISTORY_BACKFILL_DAYS' && dailyElsewhere) continue;
    const second = config.get('providers', { infer: true }).order.includes('coinpaprika')
      ? `; CoinPaprika's "${config.get('coinpaprika', { infer: true }).plan}" plan does not reach that far either`
      : '';
    return (
      `${name}=${days}: the "${plan}" CoinGecko plan serves only the last ${PUBLIC_PLAN_HISTORY_DAYS} days of history; ` +
      `set it to ${PUBLIC_PLAN_HISTORY_DAYS} or less, or use the pro plan${second}`
    );
  }
  return null;
}
