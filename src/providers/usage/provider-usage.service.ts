import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { monthEnd, utcMonth } from '../../coingecko/usage/call-projection.js';
import type { AppConfig } from '../../config/app-config.js';
import { PROVIDER_LABELS, PROVIDER_NAMES, type ProviderName } from '../provider-name.js';
import { CoinGeckoUsageRepository } from '../../coingecko/usage/coingecko-usage.repository.js';
import { ProviderUsageRepository } from './provider-usage.repository.js';

export interface ProviderUsage {
  provider: ProviderName;
  label: string;
  /** Listed in PRICE_PROVIDERS (a provider that is not is never called for prices). */
  in_use: boolean;
  /** 1-based place in PRICE_PROVIDERS; null when not listed. */
  preference: number | null;
  plan: string;
  calls: number;
  budget: number | null;
  remaining: number | null;
  by_job: Record<string, number>;
  by_endpoint: Record<string, number>;
}

export interface ProvidersUsage {
  month: string;
  resets_at: string;
  providers: ProviderUsage[];
}

/**
 * This UTC month's calls of every provider (every replica, retries included) against its monthly budget.
 * CoinGecko's figures are the ones /coingecko/usage answers (same table); its projection stays there.
 */
@Injectable()
export class ProviderUsageService {
  private readonly order: readonly ProviderName[];
  private readonly settings: Record<ProviderName, { plan: string; budget: number | null }>;

  constructor(
    private readonly repository: ProviderUsageRepository,
    private readonly limiterTotals: CoinGeckoUsageRepository,
    config: ConfigService<AppConfig, true>,
  ) {
    this.order = config.get('providers', { infer: true }).order;
    const coingecko = config.get('coingecko', { infer: true });
    const coinpaprika = config.get('coinpaprika', { infer: true });
    this.settings = {
      coingecko: { plan: coingecko.plan, budget: coingecko.monthlyCallBudget },
      coinpaprika: { plan: coinpaprika.plan, budget: coinpaprika.monthlyCallBudget },
    };
  }

  budgetOf(provider: ProviderName): number | null {
    return this.settings[provider].budget;
  }

  /** One provider's month total as its limiter keeps it (the metrics' cheap read). */
  monthTotal(provider: ProviderName, now: Date): Promise<number> {
    return this.limiterTotals.monthTotal(utcMonth(now), provider);
  }

  async usage(now: Date): Promise<ProvidersUsage> {
    const month = utcMonth(now);
    const rows = await this.repository.monthCalls(month);
    const providers = PROVIDER_NAMES.map((provider): ProviderUsage => {
      const own = rows.filter((row) => row.provider === provider);
      const calls = own.reduce((sum, row) => sum + row.calls, 0);
      const { plan, budget } = this.settings[provider];
      const place = this.order.indexOf(provider);
      return {
        provider,
        label: PROVIDER_LABELS[provider],
        in_use: place >= 0,
        preference: place >= 0 ? place + 1 : null,
        plan,
        calls,
        budget,
        remaining: budget === null ? null : Math.max(0, budget - calls),
        by_job: sumBy(own, 'job'),
        by_endpoint: sumBy(own, 'endpoint'),
      };
    });
    return { month, resets_at: monthEnd(now).toISOString().replace('.000Z', 'Z'), providers };
  }
}

function sumBy(rows: readonly { job: string; endpoint: string; calls: number }[], field: 'job' | 'endpoint') {
  const sums: Record<string, number> = {};
  for (const row of rows) sums[row[field]] = (sums[row[field]] ?? 0) + row.calls;
  return sums;
}
