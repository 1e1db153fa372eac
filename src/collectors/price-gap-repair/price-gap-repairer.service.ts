import { Inject, Injectable } from '@nestjs/common';
import {
  PriceGapsRepository,
  type PriceHole,
  type RepairedPrice,
} from '../../assets/price-gaps.repository.js';
import { PriceGapsService } from '../../assets/price-gaps.service.js';
import { AssetsWriteRepository } from '../../assets/write/assets.write-repository.js';
import { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import { CoinGeckoError } from '../../coingecko/coingecko.errors.js';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import { JobHandler, type JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../jobs/framework/scheduled-job.js';
import type { JobMetrics } from '../../jobs/job-result.js';
import { holeKey, PriceGapAttemptsRepository } from './price-gap-attempts.repository.js';
import { PRICE_GAP_REPAIR_JOB } from './price-gap-repair.job.js';
import { fillHoles, planRanges } from './price-holes.js';

const HOUR_MS = 3_600_000;

type Context = JobHandlerContext<typeof PRICE_GAP_REPAIR_JOB>;

interface RepairCounts {
  assets_checked: number;
  assets_with_gaps: number;
  slots_missing: number;
  slots_filled: number;
  slots_unfillable: number;
  calls: number;
  slots_given_up: number;
}

interface AssetHoles {
  id: string;
  coingeckoId: string;
  holes: Date[];
}

/**
 * Refills holes in the price history — slots `price_collection` should have written in the lookback but
 * did not (downtime, a failed run) — from `/coins/{id}/market_chart/range`: the most damaged assets
 * first, at most LIMIT calls a run, one call per asset for the holes of the last 24 h. Each hole takes the
 * nearest sample within half the sample spacing; rows are only inserted where none exists, so observed
 * prices are never changed. A hole the answer cannot fill is counted in `price_gap_attempts` and asked
 * at most PRICE_GAP_REPAIR_MAX_TRIES times.
 *
 * Metrics: `items_processed` = assets checked, `items_created` = slots filled, `items_skipped` = holes
 * left. Custom: assets_checked, assets_with_gaps, slots_missing, slots_filled, slots_unfillable, calls,
 * slots_given_up (holes not asked any more: they reached MAX_TRIES).
 */
@Injectable()
export class PriceGapRepairer extends ScheduledJob(PRICE_GAP_REPAIR_JOB) {
  constructor(
    private readonly coingecko: CoinGeckoClient,
    private readonly gaps: PriceGapsService,
    private readonly prices: PriceGapsRepository,
    private readonly attempts: PriceGapAttemptsRepository,
    private readonly tracked: AssetsWriteRepository,
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
    for (const hole of holes) {
      if ((tries.get(holeKey(hole)) ?? 0) >= maxTries) {
        custom.slots_given_up++;
        continue;
      }
      byAsset.set(hole.assetId, [...(byAsset.get(hole.assetId) ?? []), hole.slot]);
    }
    // Most holes first; among equals the price job's order (best-ranked first).
    const damaged: AssetHoles[] = assets
      .filter((asset) => byAsset.has(asset.id))
      .map((asset) => ({ id: asset.id, coingeckoId: asset.coingeckoId, holes: byAsset.get(asset.id) ?? [] }))
      .sort((a, b) => b.holes.length - a.holes.length);
    custom.assets_with_gaps = damaged.length;
    custom.slots_missing = damaged.reduce((sum, asset) => sum + asset.holes.length, 0);
    metrics.items_skipped = custom.slots_missing;

    const total = Math.min(damaged.length, limit);
    ctx.progress(0, total);
    for (const [index, asset] of damaged.slice(0, limit).entries()) {
      if (custom.calls >= limit) break;
      signal.throwIfAborted();
      await this.repairAsset(asset, { custom, now, budget: limit, signal });
      metrics.items_created = custom.slots_filled;
      metrics.items_skipped = custom.slots_missing - custom.slots_filled;
      ctx.progress(index + 1, total);
    }

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
  private async repairAsset(
    asset: AssetHoles,
    run: { custom: RepairCounts; now: Date; budget: number; signal: AbortSignal },
  ): Promise<void> {
    const { custom, signal } = run;
    const hole = (slot: Date): PriceHole => ({ assetId: asset.id, slot });
    for (const range of planRanges(asset.holes, run.now)) {
      if (custom.calls >= run.budget) return;
      custom.calls++;
      let chart;
      try {
        chart = await this.coingecko.marketChartRange(asset.coingeckoId, range, { signal });
      } catch (error) {
        // An unknown (delisted) coin: its holes stay holes. Anything else fails the run, as in every job.
        if (!(error instanceof CoinGeckoError && error.status === 404)) throw error;
        custom.slots_unfillable += range.holes.length;
        await this.attempts.recordUnfilled(range.holes.map(hole), 'coin not found (404)', run.now);
        continue;
      }
      const { filled, unfilled } = fillHoles(range, chart);
      const rows: RepairedPrice[] = filled.map((slot) => ({
        assetId: asset.id,
        timestamp: slot.slot,
        priceUsd: slot.priceUsd,
        marketCapUsd: slot.marketCapUsd,
        volume24hUsd: slot.volume24hUsd,
        priceDayBefore: slot.priceDayBefore,
      }));
      custom.slots_filled += await this.prices.insertMissing(rows, { signal });
      custom.slots_unfillable += unfilled.length;
      await this.attempts.recordUnfilled(unfilled.map(hole), 'no sample near the slot', run.now);
      await this.attempts.forget(filled.map((slot) => hole(slot.slot)));
    }
  }
}
