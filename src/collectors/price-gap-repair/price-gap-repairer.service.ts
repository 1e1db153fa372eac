import { Inject, Injectable } from '@nestjs/common';
import { PriceGapsRepository, type PriceHole } from '../../assets/price-gaps.repository.js';
import { PriceGapsService } from '../../assets/price-gaps.service.js';
import { AssetsWriteRepository } from '../../assets/write/assets.write-repository.js';
import { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import { CoinGeckoBudgetError, CoinGeckoError } from '../../coingecko/coingecko.errors.js';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import { JobHandler } from '../../jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../jobs/framework/scheduled-job.js';
import type { JobMetrics } from '../../jobs/job-result.js';
import { messageOf } from '../../providers/fallback/price-fallback.js';
import { MarketDataProviders } from '../../providers/market-data-providers.service.js';
import { holeKey, PriceGapAttemptsRepository } from './price-gap-attempts.repository.js';
import { PriceGapFallback } from './price-gap-fallback.js';
import { PRICE_GAP_REPAIR_JOB } from './price-gap-repair.job.js';
import {
  rowOf,
  type AssetHoles,
  type Context,
  type RepairCounts,
  type RepairRun,
  type RunProviders,
} from './price-gap-run.js';
import { fillHoles, planRanges } from './price-holes.js';

const HOUR_MS = 3_600_000;

/**
 * Refills holes in the price history — slots `price_collection` should have written in the lookback but
 * did not (downtime, a failed run) — from `/coins/{id}/market_chart/range`: the most damaged assets
 * first, at most LIMIT calls a run, one call per asset for the holes of the last 24 h. Each hole takes the
 * nearest sample within half the sample spacing; rows are only inserted where none exists, so observed
 * prices are never changed. A hole the answer cannot fill is counted in `price_gap_attempts` and asked
 * at most PRICE_GAP_REPAIR_MAX_TRIES times.
 *
 * With CoinPaprika in PRICE_PROVIDERS, a range CoinGecko fails (after its own retries, over its budget, or an
 * unknown coin) is filled from `/tickers/{id}/historical` of the asset's mapped CoinPaprika id, at the finest
 * interval its plan serves, never a daily one and never beyond the plan (fallbackRange); rows carry source
 * `coinpaprika` and are only inserted where CoinPaprika has none, so a later CoinGecko repair adds its row beside.
 * After a failure that is not the coin's own (anything but a 404), the run asks that provider nothing more.
 * When every provider failed and nothing was filled, the run fails naming each (NoProviderPricedError).
 *
 * Metrics: `items_processed` = assets checked, `items_created` = slots filled, `items_skipped` = holes
 * left. Custom: assets_checked, assets_with_gaps, slots_missing, slots_filled, slots_unfillable, calls,
 * slots_given_up (holes not asked any more: they reached MAX_TRIES); with a fallback configured also
 * prices_by_source, and fallback_reasons when it was used or failed. `calls` counts both providers' calls.
 */
@Injectable()
export class PriceGapRepairer extends ScheduledJob(PRICE_GAP_REPAIR_JOB) {
  constructor(
    private readonly coingecko: CoinGeckoClient,
    private readonly gaps: PriceGapsService,
    private readonly prices: PriceGapsRepository,
    private readonly attempts: PriceGapAttemptsRepository,
    private readonly tracked: AssetsWriteRepository,
    private readonly providers: MarketDataProviders,
    private readonly fallback: PriceGapFallback,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {
    super();
  }

  @JobHandler(PRICE_GAP_REPAIR_JOB)
  async repair(ctx: Context): Promise<JobMetrics> {
    const { metrics, signal, logger } = ctx;
    const { limit } = ctx.params;
    const maxTries = ctx.settings.PRICE_GAP_REPAIR_MAX_TRIES;
    // Not the run's slot: a catch-up run of a missed slot still repairs up to now, and asks ranges ending now.
    const now = this.clock.now();
    const from = new Date(now.getTime() - ctx.settings.PRICE_GAP_REPAIR_LOOKBACK_HOURS * HOUR_MS);
    const custom: RepairCounts = Object.assign(metrics.custom, {
      assets_checked: 0,
      assets_with_gaps: 0,
      slots_missing: 0,
      slots_filled: 0,
      slots_unfillable: 0,
      calls: 0,
      slots_given_up: 0,
    });

    await this.attempts.prune(from);
    const slots = await this.gaps.expected(from, now);
    if (slots === null) {
      logger.info(
        'price_collection is disabled: no price slots are expected, so there are no holes to repair',
      );
      return metrics;
    }
    const assets = await this.tracked.trackedAssets(this.gaps.pricedLimit);
    metrics.items_processed = custom.assets_checked = assets.length;
    const ids = assets.map((asset) => asset.id);
    const [holes, tries] = await Promise.all([this.gaps.holes(ids, slots), this.attempts.triesOf(ids, from)]);

    const byAsset = new Map<string, Date[]>();
    const covered = new Map<string, Set<number>>();
    for (const hole of holes) {
      if ((tries.get(holeKey(hole)) ?? 0) >= maxTries) {
        custom.slots_given_up++;
        continue;
      }
      byAsset.set(hole.assetId, [...(byAsset.get(hole.assetId) ?? []), hole.slot]);
      if (hole.otherSources?.includes('coinpaprika')) {
        const set = covered.get(hole.assetId) ?? new Set<number>();
        covered.set(hole.assetId, set.add(hole.slot.getTime()));
      }
    }
    // Most holes first; among equals the price job's order (best-ranked first).
    const damaged: AssetHoles[] = assets
      .filter((asset) => byAsset.has(asset.id))
      .map((asset) => ({
        id: asset.id,
        coingeckoId: asset.coingeckoId,
        coinpaprikaId: asset.coinpaprikaId,
        holes: byAsset.get(asset.id) ?? [],
        fallbackCovered: covered.get(asset.id) ?? new Set<number>(),
      }))
      .sort((a, b) => b.holes.length - a.holes.length);
    const providers: RunProviders = {
      fallback: this.providers.get('coinpaprika'),
      failed: {},
      served: 0,
    };
    if (providers.fallback) custom.prices_by_source = { coingecko: 0, coinpaprika: 0 };
    custom.assets_with_gaps = damaged.length;
    custom.slots_missing = damaged.reduce((sum, asset) => sum + asset.holes.length, 0);
    metrics.items_skipped = custom.slots_missing;

    const total = Math.min(damaged.length, limit);
    ctx.progress(0, total);
    for (const [index, asset] of damaged.slice(0, limit).entries()) {
      if (custom.calls >= limit) break;
      signal.throwIfAborted();
      await this.repairAsset(asset, { custom, now, budget: limit, signal, providers });
      metrics.items_created = custom.slots_filled;
      metrics.items_skipped = custom.slots_missing - custom.slots_filled;
      ctx.progress(index + 1, total);
    }
    this.fallback.report(ctx, custom, providers);

    logger.info(
      { ...custom, limit },
      `Price gaps: ${custom.slots_missing} missing slot(s) in ${custom.assets_with_gaps} of ${custom.assets_checked} asset(s); ` +
        `${custom.slots_filled} filled with ${custom.calls} call(s), ${custom.slots_unfillable} could not be filled` +
        (custom.slots_given_up > 0
          ? `, ${custom.slots_given_up} no longer asked (tried ${maxTries} times)`
          : ''),
    );
    return metrics;
  }

  /** The calls for one asset's holes, newest range first, within the run's call budget. */
  private async repairAsset(asset: AssetHoles, run: RepairRun): Promise<void> {
    const { custom, signal, providers } = run;
    const hole = (slot: Date): PriceHole => ({ assetId: asset.id, slot });
    for (const range of planRanges(asset.holes, run.now)) {
      if (custom.calls >= run.budget) return;
      let chart;
      try {
        if (providers.failed.coingecko !== undefined) throw providers.failed.coingecko;
        custom.calls++;
        chart = await this.coingecko.marketChartRange(asset.coingeckoId, range, { signal });
      } catch (error) {
        signal.throwIfAborted();
        // Refused before it was sent: not a call.
        if (error instanceof CoinGeckoBudgetError && error !== providers.failed.coingecko) custom.calls--;
        const notFound = error instanceof CoinGeckoError && error.status === 404;
        if (
          !providers.fallback ||
          !(error instanceof CoinGeckoError || error instanceof CoinGeckoBudgetError)
        ) {
          // Without a fallback an unknown (delisted) coin's holes stay holes; anything else fails the run, as in every job.
          if (!notFound) throw error;
          custom.slots_unfillable += range.holes.length;
          await this.attempts.recordUnfilled(range.holes.map(hole), 'coin not found (404)', run.now);
          continue;
        }
        // A failure that is not this coin's own would repeat for every asset: the rest of the run skips CoinGecko.
        if (!notFound) providers.failed.coingecko ??= error;
        custom.fallback_reasons = { ...custom.fallback_reasons, coingecko: messageOf(error) };
        const left = await this.fallback.fill(asset, range, run);
        if (notFound) {
          // CoinGecko does not know the coin: what the fallback could not fill counts a try, as without one.
          const holes = left ?? range.holes;
          custom.slots_unfillable += holes.length;
          await this.attempts.recordUnfilled(holes.map(hole), 'coin not found (404)', run.now);
        }
        continue;
      }
      const { filled, unfilled } = fillHoles(range, chart);
      const inserted = await this.prices.insertMissing(filled.map(rowOf(asset.id)), { signal });
      custom.slots_filled += inserted;
      if (custom.prices_by_source)
        custom.prices_by_source.coingecko = (custom.prices_by_source.coingecko ?? 0) + inserted;
      custom.slots_unfillable += unfilled.length;
      await this.attempts.recordUnfilled(unfilled.map(hole), 'no sample near the slot', run.now);
      await this.attempts.forget(filled.map((slot) => hole(slot.slot)));
    }
  }
}
