import { Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { AssetsWriteRepository, type TrackedAsset } from '../../assets/write/assets.write-repository.js';
import { PricesWriteRepository, type PriceRow } from '../../assets/write/prices.write-repository.js';
import { JobHandler, type JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../jobs/framework/scheduled-job.js';
import type { JobMetrics } from '../../jobs/job-result.js';
import {
  priceWithFallback,
  type AssetToPrice,
  type FallbackOutcome,
} from '../../providers/fallback/price-fallback.js';
import { MarketDataProviders } from '../../providers/market-data-providers.service.js';
import { PROVIDER_LABELS, type ProviderName } from '../../providers/provider-name.js';
import { floorToMinute } from '../slot-dates.js';
import { countWrites } from '../write-metrics.js';
import { PRICES_JOB } from './prices.job.js';

/** How many unpriced assets a log line names; the count is always complete. */
const NAMED_IN_LOG = 20;

/** An asset's id at every provider that knows it: CoinGecko's always, the others' once mapped. */
export function providerIdsOf(asset: TrackedAsset): AssetToPrice {
  return {
    assetId: asset.id,
    providerIds: {
      coingecko: asset.coingeckoId,
      ...(asset.coinpaprikaId ? { coinpaprika: asset.coinpaprikaId } : {}),
    },
  };
}

/**
 * Prices of the tracked assets (top N of the latest ranking + `is_tracked`), stored in `asset_prices` at the
 * run's slot floored to the minute: a retry of a slot rewrites the same rows, the next slot adds new ones.
 * Each asset is priced by the first provider of `PRICE_PROVIDERS` that answers for it (priceWithFallback):
 * CoinGecko's `/coins/markets?ids=` in batches of 250, then, for what it left, one CoinPaprika `/tickers` call.
 * Each row carries its provider as `source`, so a fallback row and a later row of the preferred provider for
 * the same slot stand side by side.
 *
 * Metrics: `items_processed` = assets tracked; `items_created` / `items_updated` = price rows really
 * inserted / changed; `items_skipped` = rows already identical plus assets without a price in the answer.
 * Custom: assets_tracked, prices_collected, prices_stored, prices_unchanged, assets_without_price,
 * prices_by_source, and fallback_reasons when a provider left assets to the next one.
 */
@Injectable()
export class PriceCollector extends ScheduledJob(PRICES_JOB) {
  constructor(
    private readonly providers: MarketDataProviders,
    private readonly assets: AssetsWriteRepository,
    private readonly prices: PricesWriteRepository,
  ) {
    super();
  }

  @JobHandler(PRICES_JOB)
  async collect(ctx: JobHandlerContext<typeof PRICES_JOB>): Promise<JobMetrics> {
    const { metrics, signal } = ctx;
    const { limit } = ctx.params;
    const custom = metrics.custom;

    const tracked = await this.assets.trackedAssets(limit);
    metrics.items_processed = tracked.length;
    custom.assets_tracked = tracked.length;
    if (tracked.length === 0) {
      ctx.logger.warn('No tracked assets: the latest ranking is empty and no asset is marked is_tracked');
      return metrics;
    }

    const providers = this.providers.ordered();
    const outcome = await priceWithFallback(providers, tracked.map(providerIdsOf), {
      signal,
      onProgress: (done, total) => ctx.progress(done, total),
    });
    const timestamp = floorToMinute(ctx.slot);
    const rows: PriceRow[] = outcome.priced.map(({ assetId, source, quote }) => ({
      assetId,
      source,
      timestamp,
      priceUsd: quote.priceUsd as string,
      volume24hUsd: quote.volume24hUsd,
      marketCapUsd: quote.marketCapUsd,
      changePercent24h: quote.changePercent24h,
    }));
    const unpriced = outcome.unpriced.map((asset) => asset.providerIds.coingecko ?? asset.assetId);
    Object.assign(custom, {
      prices_collected: rows.length,
      assets_without_price: unpriced.length,
      prices_by_source: outcome.bySource,
    });
    // With one provider there is no fallback to explain: its misses are assets_without_price.
    if (providers.length > 1 && Object.keys(outcome.reasons).length > 0)
      custom.fallback_reasons = outcome.reasons;
    metrics.items_skipped = unpriced.length;
    logFallback(
      ctx.logger,
      providers.map((provider) => provider.name),
      outcome,
    );
    if (unpriced.length > 0) {
      // One line for all of them: a delisted coin would otherwise repeat a line every 15 minutes.
      const named = unpriced.slice(0, NAMED_IN_LOG).join(', ');
      const where =
        providers.length === 1
          ? `in ${PROVIDER_LABELS[providers[0]?.name ?? 'coingecko']}'s answer`
          : `from any provider (${providers.map((provider) => PROVIDER_LABELS[provider.name]).join(', ')})`;
      ctx.logger.info(
        { assetsWithoutPrice: unpriced.length, coingeckoIds: unpriced.slice(0, NAMED_IN_LOG) },
        `${unpriced.length} tracked asset(s) had no price ${where} and were skipped: ${named}${unpriced.length > NAMED_IN_LOG ? ', …' : ''}`,
      );
    }

    await this.prices.upsertPrices(rows, {
      signal,
      onBatch: countWrites(metrics, unpriced.length, (totals) => ({
        prices_stored: totals.inserted + totals.updated,
        prices_unchanged: totals.unchanged,
      })),
    });
    return metrics;
  }
}

/** One warning per provider that priced what a more preferred one left, saying why it had to. */
function logFallback(logger: Logger, order: readonly ProviderName[], outcome: FallbackOutcome): void {
  order.forEach((name, index) => {
    const count = outcome.bySource[name] ?? 0;
    if (index === 0 || count === 0) return;
    const before = order.slice(0, index).filter((earlier) => outcome.reasons[earlier] !== undefined);
    const why = before
      .map((earlier) => `${PROVIDER_LABELS[earlier]}: ${outcome.reasons[earlier]}`)
      .join('; ');
    logger.warn(
      { provider: name, prices: count, reasons: outcome.reasons },
      `${count} price(s) came from ${PROVIDER_LABELS[name]}, the fallback: ${why}`,
    );
  });
}
