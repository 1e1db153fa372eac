import { Inject, Injectable } from '@nestjs/common';
import {
  PriceGapsRepository,
  type PriceHole,
  type RepairedPrice,
} from '../../assets/price-gaps.repository.js';
import { PriceGapsService } from '../../assets/price-gaps.service.js';
import { AssetsWriteRepository } from '../../assets/write/assets.write-repository.js';
import { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import { CoinGeckoBudgetError, CoinGeckoError } from '../../coingecko/coingecko.errors.js';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import { JobHandler, type JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../jobs/framework/scheduled-job.js';
import type { JobMetrics } from '../../jobs/job-result.js';
import { CoinPaprikaError } from '../../providers/coinpaprika/coinpaprika.errors.js';
import { NoProviderPricedError } from '../../providers/fallback/price-fallback.js';
import type { MarketDataProvider, ProviderHistoryPoint } from '../../providers/market-data-provider.js';
import { MarketDataProviders } from '../../providers/market-data-providers.service.js';
import { HistoryRangeUnavailableError } from '../../providers/provider-errors.js';
import { PROVIDER_LABELS, type ProviderName } from '../../providers/provider-name.js';
import { holeKey, PriceGapAttemptsRepository } from './price-gap-attempts.repository.js';
import { PRICE_GAP_REPAIR_JOB } from './price-gap-repair.job.js';
import { fallbackRange, fillHoles, planRanges, type ChartRange, type ChartSeries } from './price-holes.js';

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
  /** With a fallback provider configured: slots filled by each provider. */
  prices_by_source?: Partial<Record<ProviderName, number>>;
  /** Why CoinGecko left holes to the fallback (its error or its budget), and why the fallback failed. */
  fallback_reasons?: Partial<Record<ProviderName, string>>;
}

interface AssetHoles {
  id: string;
  coingeckoId: string;
  coinpaprikaId: string | null;
  holes: Date[];
  /** Holes that already hold a CoinPaprika row (a fallback slot): only CoinGecko is asked for them. */
  fallbackCovered: Set<number>;
}

/** What one run knows about its providers: the fallback, and the first failure that took each out of the run. */
interface RunProviders {
  fallback: MarketDataProvider | undefined;
  failed: Partial<Record<ProviderName, Error>>;
  /** Ranges the fallback served this run: answered, or already held as its rows. */
  served: number;
}

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
    this.reportFallback(ctx, custom, providers);

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
    run: { custom: RepairCounts; now: Date; budget: number; signal: AbortSignal; providers: RunProviders },
  ): Promise<void> {
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
        const left = await this.fillFromFallback(asset, range, run);
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

  /**
   * The holes of one range CoinGecko failed, from the fallback provider's history, within its plan: the holes it
   * left when it answered, null when it was not asked or failed. Its own failure is kept for the run's outcome and ends its part in the run; holes it cannot
   * serve (no mapped id, beyond the plan, no point near the slot) stay holes without counting a try: CoinGecko
   * may still fill them once it answers again.
   */
  private async fillFromFallback(
    asset: AssetHoles,
    range: ChartRange,
    run: { custom: RepairCounts; now: Date; budget: number; signal: AbortSignal; providers: RunProviders },
  ): Promise<Date[] | null> {
    const { custom, signal, providers } = run;
    const provider = providers.fallback;
    if (!provider || providers.failed[provider.name] !== undefined || asset.coinpaprikaId === null)
      return null;
    const holes = range.holes.filter((slot) => !asset.fallbackCovered.has(slot.getTime()));
    if (holes.length === 0) {
      // It holds them all already: nothing to ask, and nothing the run lacks.
      providers.served++;
      return [];
    }
    const asked = fallbackRange({ ...range, holes }, provider.capabilities(), run.now);
    if (!asked || custom.calls >= run.budget) return null;
    let points;
    try {
      custom.calls++;
      points = await provider.historyRange(asset.coinpaprikaId, asked, { signal });
    } catch (error) {
      signal.throwIfAborted();
      // Refused before it was sent (a range beyond the plan, the budget): not a call.
      if (!(error instanceof CoinPaprikaError)) custom.calls--;
      if (error instanceof HistoryRangeUnavailableError) return null;
      if (!isProviderFailure(error)) throw error;
      providers.failed[provider.name] ??= error;
      custom.fallback_reasons = { ...custom.fallback_reasons, [provider.name]: messageOf(error) };
      return null;
    }
    providers.served++;
    const { filled, unfilled } = fillHoles(asked, seriesOf(points));
    const inserted = await this.prices.insertMissing(filled.map(rowOf(asset.id)), {
      signal,
      source: provider.name,
    });
    custom.slots_filled += inserted;
    const bySource = (custom.prices_by_source ??= {});
    bySource[provider.name] = (bySource[provider.name] ?? 0) + inserted;
    await this.attempts.forget(filled.map((slot) => ({ assetId: asset.id, slot: slot.slot })));
    return unfilled;
  }

  /**
   * The run's outcome with a fallback: a warning naming what it filled and why, or, when every provider asked
   * failed and nothing was filled, the failure naming each of them.
   */
  private reportFallback(ctx: Context, custom: RepairCounts, providers: RunProviders): void {
    const fallback = providers.fallback;
    if (!fallback) return;
    const gecko = providers.failed.coingecko;
    const own = providers.failed[fallback.name];
    if (gecko !== undefined && custom.slots_filled === 0) {
      if (own !== undefined) {
        throw new NoProviderPricedError([
          { provider: 'coingecko', error: gecko },
          { provider: fallback.name, error: own },
        ]);
      }
      // The fallback could not be asked (no asset mapped, nothing within its plan): as with CoinGecko alone.
      if (providers.served === 0) throw gecko;
    }
    if (custom.fallback_reasons === undefined) return;
    const filled = custom.prices_by_source?.[fallback.name] ?? 0;
    const why = Object.entries(custom.fallback_reasons)
      .map(([name, reason]) => `${PROVIDER_LABELS[name as ProviderName]}: ${reason}`)
      .join('; ');
    ctx.logger.warn(
      { provider: fallback.name, slots: filled, reasons: custom.fallback_reasons },
      `${filled} price slot(s) came from ${PROVIDER_LABELS[fallback.name]}, the fallback: ${why}`,
    );
  }
}

const rowOf =
  (assetId: string) =>
  (slot: ReturnType<typeof fillHoles>['filled'][number]): RepairedPrice => ({
    assetId,
    timestamp: slot.slot,
    priceUsd: slot.priceUsd,
    marketCapUsd: slot.marketCapUsd,
    volume24hUsd: slot.volume24hUsd,
    priceDayBefore: slot.priceDayBefore,
  });

/** A provider's history points as the samples fillHoles matches against slots. */
function seriesOf(points: readonly ProviderHistoryPoint[]): ChartSeries {
  return {
    prices: points.map((point) => ({ at: point.at.getTime(), value: point.priceUsd })),
    marketCaps: points.map((point) => ({ at: point.at.getTime(), value: point.marketCapUsd })),
    totalVolumes: points.map((point) => ({ at: point.at.getTime(), value: point.volume24hUsd })),
  };
}

/** A provider's own failure (after its retries, or its budget): upstream errors carry `upstream = true`. */
function isProviderFailure(error: unknown): error is Error {
  return error instanceof Error && (error as { upstream?: unknown }).upstream === true;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
