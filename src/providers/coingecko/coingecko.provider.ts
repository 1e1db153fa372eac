import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import type { CallOptions, MarketCoin, PagedCallOptions } from '../../coingecko/coingecko.types.js';
import type { AppConfig, CoinGeckoPlan } from '../../config/app-config.js';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import type {
  HistoryRange,
  MarketDataProvider,
  ProviderCapabilities,
  ProviderHistoryPoint,
  ProviderPrices,
  ProviderQuote,
} from '../market-data-provider.js';
import { HistoryRangeUnavailableError } from '../provider-errors.js';

/**
 * docs/coingecko.md: `/coins/{id}/market_chart/range` picks the granularity itself — 5-minutely within the
 * last day, hourly for ranges up to 90 days, daily beyond — and the public and Demo plans serve only the
 * last 365 days (401, error_code 10012, beyond). Pro has no such cut for daily points.
 */
export const COINGECKO_CAPABILITIES: Record<CoinGeckoPlan, ProviderCapabilities> = {
  public: { history: { daily: 365, hourly: 90, fiveMinute: 1 } },
  demo: { history: { daily: 365, hourly: 90, fiveMinute: 1 } },
  pro: { history: { daily: null, hourly: 90, fiveMinute: 1 } },
};

const DAY_MS = 86_400_000;

/**
 * CoinGecko as a MarketDataProvider, over the existing CoinGeckoClient (whose behaviour, limiter, budget
 * and usage figures stay exactly as they are): marketsTop → `/coins/markets` pages, prices →
 * `/coins/markets?ids=` batches, historyRange → `/coins/{id}/market_chart/range`.
 */
@Injectable()
export class CoinGeckoMarketDataProvider implements MarketDataProvider {
  readonly name = 'coingecko' as const;
  private readonly plan: CoinGeckoPlan;

  constructor(
    private readonly client: CoinGeckoClient,
    config: ConfigService<AppConfig, true>,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {
    this.plan = config.get('coingecko', { infer: true }).plan;
  }

  async marketsTop(limit: number, opts?: PagedCallOptions): Promise<ProviderQuote[]> {
    const { items } = await this.client.marketsTop(limit, opts);
    return items.map(quoteOf);
  }

  async prices(providerIds: readonly string[], opts?: PagedCallOptions): Promise<ProviderPrices> {
    const { items, missing } = await this.client.marketsByIds(providerIds, opts);
    // A coin answered without a price is as missing as one not answered.
    const priced = items.filter((coin) => coin.currentPrice !== null);
    const unpriced = items.filter((coin) => coin.currentPrice === null).map((coin) => coin.id);
    return { items: priced.map(quoteOf), missing: [...missing, ...unpriced] };
  }

  async historyRange(
    providerId: string,
    range: HistoryRange,
    opts?: CallOptions,
  ): Promise<ProviderHistoryPoint[]> {
    const reach = this.capabilities().history.daily;
    if (reach !== null && this.clock.now().getTime() - range.from.getTime() > reach * DAY_MS) {
      throw new HistoryRangeUnavailableError(
        'coingecko',
        this.plan,
        `history from ${range.from.toISOString()} (more than ${reach} days back) of ${providerId}`,
      );
    }
    const chart = await this.client.marketChartRange(providerId, range, opts);
    const caps = new Map(chart.marketCaps.map((point) => [point.at, point.value]));
    const volumes = new Map(chart.totalVolumes.map((point) => [point.at, point.value]));
    const points: ProviderHistoryPoint[] = [];
    for (const point of chart.prices) {
      if (point.value === null) continue;
      points.push({
        at: new Date(point.at),
        priceUsd: point.value,
        marketCapUsd: caps.get(point.at) ?? null,
        volume24hUsd: volumes.get(point.at) ?? null,
      });
    }
    return points;
  }

  capabilities(): ProviderCapabilities {
    return COINGECKO_CAPABILITIES[this.plan];
  }
}

function quoteOf(coin: MarketCoin): ProviderQuote {
  return {
    providerId: coin.id,
    symbol: coin.symbol.toUpperCase(),
    name: coin.name,
    rank: coin.marketCapRank,
    priceUsd: coin.currentPrice,
    marketCapUsd: coin.marketCap,
    volume24hUsd: coin.totalVolume,
    changePercent24h: coin.priceChangePercentage24h,
  };
}
