import { Injectable } from '@nestjs/common';
import { AssetsWriteRepository } from '../../assets/write/assets.write-repository.js';
import { PricesWriteRepository, type PriceRow } from '../../assets/write/prices.write-repository.js';
import { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import { JobHandler, type JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../jobs/framework/scheduled-job.js';
import type { JobMetrics } from '../../jobs/job-result.js';
import { floorToMinute } from '../slot-dates.js';
import { countWrites } from '../write-metrics.js';
import { PRICES_JOB } from './prices.job.js';

/** How many unpriced assets a log line names; the count is always complete. */
const NAMED_IN_LOG = 20;

/**
 * Prices of the tracked assets (top N of the latest ranking + `is_tracked`) from `/coins/markets?ids=`
 * in batches of 250, stored in `asset_prices` at the run's slot floored to the minute: a retry of a slot
 * rewrites the same rows, the next slot adds new ones.
 *
 * Metrics: `items_processed` = assets tracked; `items_created` / `items_updated` = price rows really
 * inserted / changed; `items_skipped` = rows already identical plus assets without a price in the answer.
 * Custom: assets_tracked, prices_collected, prices_stored, prices_unchanged, assets_without_price.
 */
@Injectable()
export class PriceCollector extends ScheduledJob(PRICES_JOB) {
  constructor(
    private readonly coingecko: CoinGeckoClient,
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

    const answer = await this.coingecko.marketsByIds(
      tracked.map((asset) => asset.coingeckoId),
      { signal, onProgress: (done, total) => ctx.progress(done, total) },
    );
    const quotes = new Map(answer.items.map((coin) => [coin.id, coin]));
    const timestamp = floorToMinute(ctx.slot);
    const rows: PriceRow[] = [];
    const unpriced: string[] = [];
    for (const asset of tracked) {
      const quote = quotes.get(asset.coingeckoId);
      if (!quote || quote.currentPrice === null) {
        unpriced.push(asset.coingeckoId);
        continue;
      }
      rows.push({
        assetId: asset.id,
        timestamp,
        priceUsd: quote.currentPrice,
        volume24hUsd: quote.totalVolume,
        marketCapUsd: quote.marketCap,
        changePercent24h: quote.priceChangePercentage24h,
      });
    }
    Object.assign(custom, { prices_collected: rows.length, assets_without_price: unpriced.length });
    metrics.items_skipped = unpriced.length;
    if (unpriced.length > 0) {
      // One line for all of them: a delisted coin would otherwise repeat a line every 15 minutes.
      const named = unpriced.slice(0, NAMED_IN_LOG).join(', ');
      ctx.logger.info(
        { assetsWithoutPrice: unpriced.length, coingeckoIds: unpriced.slice(0, NAMED_IN_LOG) },
        `${unpriced.length} tracked asset(s) had no price in CoinGecko's answer and were skipped: ${named}${unpriced.length > NAMED_IN_LOG ? ', …' : ''}`,
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
