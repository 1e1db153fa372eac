import { Injectable } from '@nestjs/common';
import { AssetsWriteRepository } from '../../assets/write/assets.write-repository.js';
import { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import { CoinGeckoBudgetError } from '../../coingecko/coingecko.errors.js';
import type { MarketCoin } from '../../coingecko/coingecko.types.js';
import { JobHandler, type JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../jobs/framework/scheduled-job.js';
import { describeFailure } from '../../jobs/job-errors.js';
import type { JobMetrics } from '../../jobs/job-result.js';
import type { MarketDataProvider, ProviderQuote } from '../../providers/market-data-provider.js';
import { MarketDataProviders } from '../../providers/market-data-providers.service.js';
import { PROVIDER_LABELS, type ProviderName } from '../../providers/provider-name.js';
import { utcDate } from '../slot-dates.js';
import { countWrites } from '../write-metrics.js';
import { dominance } from './dominance.js';
import { NoProviderRankedError } from './top-coins.errors.js';
import { TOP_COINS_JOB } from './top-coins.job.js';

/** How many unmapped coins a log line names; the count is always complete. */
const NAMED_IN_LOG = 20;

/**
 * Top N coins by market cap → `assets` (by coingecko_id) and the day's `asset_rankings` snapshot.
 *
 * CoinGecko is always asked first: asset identity is the CoinGecko id, and only its answer creates assets.
 * When it fails the run (after its own retries, or over its monthly budget), the next provider of
 * `PRICE_PROVIDERS` ranks the day instead (CoinPaprika: one `/tickers` call), rows tagged with its name.
 * It can rank only assets already mapped to it (`asset_provider_ids`); the rest are counted and named.
 *
 * Metrics: `items_processed` = coins received; `items_created` / `items_updated` = ranking rows really
 * inserted / changed; `items_skipped` = ranking rows already identical plus coins without a market-cap
 * rank (CoinGecko lists some unranked) plus, from a fallback, coins mapped to no asset. Custom:
 * coins_collected, assets_created, assets_updated, rankings_created, rankings_updated, rankings_unchanged,
 * coins_without_rank, dominance_available, rankings_by_source, and from a fallback coins_unmapped and
 * fallback_reasons.
 */
@Injectable()
export class TopCoinsCollector extends ScheduledJob(TOP_COINS_JOB) {
  constructor(
    private readonly coingecko: CoinGeckoClient,
    private readonly assets: AssetsWriteRepository,
    private readonly providers: MarketDataProviders,
  ) {
    super();
  }

  @JobHandler(TOP_COINS_JOB)
  async collect(ctx: JobHandlerContext<typeof TOP_COINS_JOB>): Promise<JobMetrics> {
    const { signal, metrics } = ctx;
    const { limit } = ctx.params;
    const custom = metrics.custom;

    let answer: Awaited<ReturnType<CoinGeckoClient['marketsTop']>>;
    try {
      answer = await this.coingecko.marketsTop(limit, {
        signal,
        onProgress: (done, total) => ctx.progress(done, total),
      });
    } catch (error) {
      const fallbacks = this.fallbacks();
      if (signal.aborted || fallbacks.length === 0) throw error;
      return this.collectFromFallback(ctx, fallbacks, describeFailure(error));
    }
    const { items: coins, skipped: malformed } = answer;
    const totalMarketCap = await this.totalMarketCap(ctx);
    const ranked = coins.filter(
      (coin): coin is MarketCoin & { marketCapRank: number } => coin.marketCapRank !== null,
    );
    const withoutRank = coins.length - ranked.length;
    metrics.items_processed = coins.length;
    metrics.items_skipped = withoutRank;
    Object.assign(custom, {
      coins_collected: coins.length,
      coins_without_rank: withoutRank,
      malformed_items: malformed,
      dominance_available: totalMarketCap !== null,
      rankings_by_source: this.bySource('coingecko', ranked.length),
    });
    if (withoutRank > 0) {
      ctx.logger.info(
        { coinsWithoutRank: withoutRank },
        `${withoutRank} coin(s) have no market-cap rank: skipped`,
      );
    }

    const { ids } = await this.assets.upsertAssets(
      ranked.map((coin) => ({
        coingeckoId: coin.id,
        symbol: coin.symbol.toUpperCase(),
        name: coin.name,
        logoUrl: coin.image,
        isActive: true,
      })),
      {
        signal,
        onBatch: (totals) =>
          Object.assign(custom, { assets_created: totals.inserted, assets_updated: totals.updated }),
      },
    );

    const snapshotDate = utcDate(ctx.slot);
    const rankings = await this.assets.upsertRankings(
      ranked.map((coin) => ({
        assetId: ids.get(coin.id) ?? '',
        snapshotDate,
        rank: coin.marketCapRank,
        marketCapUsd: coin.marketCap,
        priceUsd: coin.currentPrice,
        volume24hUsd: coin.totalVolume,
        changePercent24h: coin.priceChangePercentage24h,
        dominance: dominance(coin.marketCap, totalMarketCap),
      })),
      {
        signal,
        onBatch: countWrites(metrics, withoutRank, (totals) => ({
          rankings_created: totals.inserted,
          rankings_updated: totals.updated,
          rankings_unchanged: totals.unchanged,
        })),
      },
    );
    ctx.logger.debug(
      { snapshotDate, created: rankings.inserted, updated: rankings.updated, unchanged: rankings.unchanged },
      `Upserted ${ranked.length} ranking(s) on ${snapshotDate}`,
    );
    return metrics;
  }

  /**
   * The day's ranking from the first fallback provider that answers: its ranked coins that are mapped to an
   * asset, with its rank and amounts. Dominance stays empty: CoinGecko's `/global` has just failed or is over
   * budget, and asking it again would only spend the run's time on more retries.
   */
  private async collectFromFallback(
    ctx: JobHandlerContext<typeof TOP_COINS_JOB>,
    fallbacks: readonly MarketDataProvider[],
    coingeckoFailure: string,
  ): Promise<JobMetrics> {
    const { signal } = ctx;
    const { limit } = ctx.params;
    const reasons: Partial<Record<ProviderName, string>> = { coingecko: coingeckoFailure };
    for (const provider of fallbacks) {
      let quotes: ProviderQuote[];
      try {
        quotes = await provider.marketsTop(limit, {
          signal,
          onProgress: (done, total) => ctx.progress(done, total),
        });
      } catch (error) {
        signal.throwIfAborted();
        reasons[provider.name] = describeFailure(error);
        continue;
      }
      const ranked = quotes.filter((quote): quote is ProviderQuote & { rank: number } => quote.rank !== null);
      const assetIds = await this.assets.assetIdsAt(
        provider.name,
        ranked.map((quote) => quote.providerId),
      );
      const mapped = ranked.filter((quote) => assetIds.has(quote.providerId));
      const unmapped = ranked.filter((quote) => !assetIds.has(quote.providerId));
      if (mapped.length === 0) {
        reasons[provider.name] =
          ranked.length === 0
            ? 'answered without a ranked coin'
            : `none of its ${ranked.length} ranked coin(s) is mapped to an asset (provider_id_mapping maps them)`;
        continue;
      }
      return this.writeFallback(ctx, {
        provider: provider.name,
        quotes,
        mapped,
        unmapped,
        assetIds,
        reasons,
      });
    }
    throw new NoProviderRankedError(
      (['coingecko', ...fallbacks.map((provider) => provider.name)] as const).map((provider) => ({
        provider,
        reason: reasons[provider] ?? 'not asked',
      })),
    );
  }

  private async writeFallback(
    ctx: JobHandlerContext<typeof TOP_COINS_JOB>,
    answer: {
      provider: ProviderName;
      quotes: readonly ProviderQuote[];
      mapped: ReadonlyArray<ProviderQuote & { rank: number }>;
      unmapped: readonly ProviderQuote[];
      assetIds: ReadonlyMap<string, string>;
      reasons: Partial<Record<ProviderName, string>>;
    },
  ): Promise<JobMetrics> {
    const { signal, metrics } = ctx;
    const { provider, quotes, mapped, unmapped, assetIds, reasons } = answer;
    const label = PROVIDER_LABELS[provider];
    const withoutRank = quotes.length - mapped.length - unmapped.length;
    const skipped = withoutRank + unmapped.length;
    metrics.items_processed = quotes.length;
    metrics.items_skipped = skipped;
    Object.assign(metrics.custom, {
      coins_collected: quotes.length,
      coins_without_rank: withoutRank,
      coins_unmapped: unmapped.length,
      dominance_available: false,
      assets_created: 0,
      assets_updated: 0,
      rankings_by_source: this.bySource(provider, mapped.length),
      fallback_reasons: reasons,
    });
    const why = Object.entries(reasons)
      .filter(([name]) => name !== provider)
      .map(([name, reason]) => `${PROVIDER_LABELS[name as ProviderName]}: ${reason}`)
      .join('; ');
    ctx.logger.warn(
      { provider, rankings: mapped.length, reasons },
      `${mapped.length} ranking(s) came from ${label}, the fallback: ${why}`,
    );
    if (unmapped.length > 0) {
      // One line for all of them, as the price job does for its unpriced assets.
      const ids = unmapped.slice(0, NAMED_IN_LOG).map((quote) => quote.providerId);
      ctx.logger.warn(
        { provider, coinsUnmapped: unmapped.length, providerIds: ids },
        `${unmapped.length} ${label} coin(s) are mapped to no asset and were not ranked: ${ids.join(', ')}${unmapped.length > NAMED_IN_LOG ? ', …' : ''}`,
      );
    }

    const snapshotDate = utcDate(ctx.slot);
    const rankings = await this.assets.upsertRankings(
      mapped.map((quote) => ({
        assetId: assetIds.get(quote.providerId) ?? '',
        snapshotDate,
        rank: quote.rank,
        marketCapUsd: quote.marketCapUsd,
        priceUsd: quote.priceUsd,
        volume24hUsd: quote.volume24hUsd,
        changePercent24h: quote.changePercent24h,
        dominance: null,
        source: provider,
      })),
      {
        signal,
        onBatch: countWrites(metrics, skipped, (totals) => ({
          rankings_created: totals.inserted,
          rankings_updated: totals.updated,
          rankings_unchanged: totals.unchanged,
        })),
      },
    );
    ctx.logger.debug(
      { snapshotDate, source: provider, created: rankings.inserted, updated: rankings.updated },
      `Upserted ${mapped.length} ${label} ranking(s) on ${snapshotDate}`,
    );
    return metrics;
  }

  /** The providers top coins falls back to: the configured ones after CoinGecko, in PRICE_PROVIDERS order. */
  private fallbacks(): MarketDataProvider[] {
    return this.providers.ordered().filter((provider) => provider.name !== 'coingecko');
  }

  /** Rankings by provider, every provider the run could have used appearing (0 when it gave none). */
  private bySource(source: ProviderName, count: number): Partial<Record<ProviderName, number>> {
    const counts: Partial<Record<ProviderName, number>> = { coingecko: 0 };
    for (const provider of this.fallbacks()) counts[provider.name] = 0;
    counts[source] = count;
    return counts;
  }

  /** Dominance needs `/global`; when that fails the rankings are still worth writing, with dominance null. */
  private async totalMarketCap(ctx: JobHandlerContext): Promise<string | null> {
    try {
      return (await this.coingecko.global({ signal: ctx.signal })).totalMarketCapUsd;
    } catch (error) {
      // A spent monthly budget fails the run at once, like any job's.
      if (ctx.signal.aborted || error instanceof CoinGeckoBudgetError) throw error;
      ctx.logger.warn(
        { err: error },
        `Could not read the total market cap (dominance left empty): ${describeFailure(error)}`,
      );
      return null;
    }
  }
}
