import { Injectable } from '@nestjs/common';
import { AssetsWriteRepository } from '../../assets/write/assets.write-repository.js';
import { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import { CoinGeckoBudgetError } from '../../coingecko/coingecko.errors.js';
import type { MarketCoin } from '../../coingecko/coingecko.types.js';
import { JobHandler, type JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../jobs/framework/scheduled-job.js';
import { describeFailure } from '../../jobs/job-errors.js';
import type { JobMetrics } from '../../jobs/job-result.js';
import { utcDate } from '../slot-dates.js';
import { countWrites } from '../write-metrics.js';
import { dominance } from './dominance.js';
import { TOP_COINS_JOB } from './top-coins.job.js';

/**
 * Top N coins by market cap → `assets` (by coingecko_id) and the day's `asset_rankings` snapshot.
 *
 * Metrics: `items_processed` = coins received; `items_created` / `items_updated` = ranking rows really
 * inserted / changed; `items_skipped` = ranking rows already identical plus coins without a market-cap
 * rank (CoinGecko lists some unranked). Custom: coins_collected, assets_created, assets_updated,
 * rankings_created, rankings_updated, rankings_unchanged, coins_without_rank, dominance_available.
 */
@Injectable()
export class TopCoinsCollector extends ScheduledJob(TOP_COINS_JOB) {
  constructor(
    private readonly coingecko: CoinGeckoClient,
    private readonly assets: AssetsWriteRepository,
  ) {
    super();
  }

  @JobHandler(TOP_COINS_JOB)
  async collect(ctx: JobHandlerContext<typeof TOP_COINS_JOB>): Promise<JobMetrics> {
    const { signal, metrics } = ctx;
    const { limit } = ctx.params;
    const custom = metrics.custom;

    const { items: coins, skipped: malformed } = await this.coingecko.marketsTop(limit, {
      signal,
      onProgress: (done, total) => ctx.progress(done, total),
    });
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
