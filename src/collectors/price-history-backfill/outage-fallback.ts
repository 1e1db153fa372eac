import { Inject, Injectable, Optional } from '@nestjs/common';
import { PriceGapsRepository } from '../../assets/price-gaps.repository.js';
import { isUpstreamFailure } from '../../jobs/job-errors.js';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import { CoinPaprikaError } from '../../providers/coinpaprika/coinpaprika.errors.js';
import { messageOf, NoProviderPricedError } from '../../providers/fallback/price-fallback.js';
import {
  chartOf,
  type HistoryRange,
  type ProviderCapabilities,
  type ProviderHistoryPoint,
} from '../../providers/market-data-provider.js';
import { MarketDataProviders } from '../../providers/market-data-providers.service.js';
import { HistoryRangeUnavailableError } from '../../providers/provider-errors.js';
import { PROVIDER_LABELS, type ProviderName } from '../../providers/provider-name.js';
import type { BackfillCounts, BackfillRun, Context, OutageFallbackState } from './backfill-run.js';
import { historyRanges, historyRows, LIMIT_MARGIN_MS, SPACING_MS } from './history-points.js';
import {
  PriceHistoryCoverageRepository,
  type BackfillCandidate,
  type Granularity,
} from './price-history-coverage.repository.js';

const DAY_MS = 86_400_000;

/**
 * The history backfill's stand-in for CoinGecko (docs/providers.md, "Gap repair and history backfill"): once
 * CoinGecko failed a range after its retries, or its month's budget left nothing for the backfill, the rest of the
 * run asks the next provider of PRICE_PROVIDERS for each asset's missing ranges, as far back as its plan reaches.
 * Its points are inserted with its source beside whatever is stored and recorded in its own coverage row, so it is
 * not asked again; CoinGecko's row stays pending, and once CoinGecko answers again its points are added beside.
 */
@Injectable()
export class BackfillOutageFallback {
  constructor(
    private readonly prices: PriceGapsRepository,
    private readonly coverage: PriceHistoryCoverageRepository,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
    @Optional() private readonly providers?: MarketDataProviders,
  ) {}

  /** The run's fallback state; undefined without a second provider in PRICE_PROVIDERS. */
  forRun(custom: BackfillCounts): OutageFallbackState | undefined {
    const name = this.coverage.fallbackSource;
    const provider = name === null ? undefined : this.providers?.get(name);
    if (!provider) return undefined;
    custom.assets_from_fallback = 0;
    return { provider, served: 0 };
  }

  /** From now on CoinGecko is asked nothing this run; `error` says why. */
  coingeckoDown(run: BackfillRun, why: 'outage' | 'budget', error: Error): void {
    const fallback = run.fallback;
    if (!fallback || fallback.down) return;
    fallback.down = { why, error };
    run.custom.fallback_reasons = { ...run.custom.fallback_reasons, coingecko: messageOf(error) };
    run.ctx.logger.warn(
      { provider: fallback.provider.name, why, error: messageOf(error) },
      `Price history backfill asks ${PROVIDER_LABELS[fallback.provider.name]} for the rest of the run: ${messageOf(error)}`,
    );
  }

  /**
   * One CoinGecko range of the asset from the fallback, within its plan. Nothing is asked when the asset has no id
   * there, when the fallback holds the range already, when its plan reaches none of it, or after it failed this run.
   * Its refusal of this asset is logged and counts no try: CoinGecko may still serve the range once it answers again.
   * True when it answered for the range, or held it already.
   */
  async fill(asset: BackfillCandidate, granularity: Granularity, run: BackfillRun): Promise<boolean> {
    const fallback = run.fallback;
    if (!fallback || fallback.failed || !asset.fallbackProviderId) return false;
    const { provider } = fallback;
    const held = granularity === 'hourly' ? asset.fallbackHourlyDone : asset.fallbackDailyDone;
    if (held) {
      fallback.served++;
      return true;
    }
    const now = this.clock.now();
    const wanted = historyRanges(now, run.history)[granularity];
    const asked = wanted && withinReach(provider.capabilities(), granularity, wanted, now);
    if (!asked) return false;
    const { ctx, custom } = run;
    const calls = (custom.calls_by_source ??= {});
    let points;
    try {
      calls[provider.name] = (calls[provider.name] ?? 0) + 1;
      points = await provider.historyRange(asset.fallbackProviderId, asked, { signal: ctx.signal });
    } catch (error) {
      ctx.signal.throwIfAborted();
      // Refused before it was sent (beyond the plan, the budget): not a call.
      if (!(error instanceof CoinPaprikaError)) calls[provider.name] = (calls[provider.name] ?? 1) - 1;
      if (error instanceof HistoryRangeUnavailableError) return false;
      const message = messageOf(error);
      if (
        error instanceof CoinPaprikaError &&
        (error.kind === 'client_error' || error.kind === 'invalid_response')
      ) {
        ctx.logger.warn(
          { asset: asset.coingeckoId, provider: provider.name, granularity, error: message },
          `Price history of ${asset.coingeckoId} (${granularity}) not served by ${PROVIDER_LABELS[provider.name]} either: ${message}`,
        );
        return false;
      }
      if (!(error instanceof Error && isUpstreamFailure(error))) throw error;
      this.failed(run, fallback, error);
      return false;
    }
    fallback.served++;
    // Its plan may answer finer than the range's spacing (starter: 5-minute points of the last week): one point per
    // hour or day, as CoinGecko's answer for the range would hold, not a denser series.
    const spacing = SPACING_MS[granularity];
    const { rows, first, last } = historyRows(asset.id, chartOf(onePer(points, spacing)), asked, spacing);
    const inserted = await this.prices.insertMissing(rows, {
      signal: ctx.signal,
      backfilled: true,
      source: provider.name,
    });
    custom.points_inserted += inserted;
    const bySource = (custom.prices_by_source ??= {});
    bySource[provider.name] = (bySource[provider.name] ?? 0) + inserted;
    await this.coverage.rangeDone(
      asset.id,
      granularity,
      { from: first, to: last, inserted },
      run.now,
      provider.name,
    );
    return true;
  }

  /**
   * The daily provider's outage (daily-from-provider.ts) while CoinGecko is down and that provider is the fallback:
   * kept as the fallback's failure for the run's outcome (true), instead of failing the run with its error alone.
   */
  dailyProviderFailed(run: BackfillRun, error: unknown): boolean {
    const fallback = run.fallback;
    if (!fallback?.down || fallback.provider !== run.dailyProvider) return false;
    if (!(error instanceof Error && isUpstreamFailure(error))) return false;
    run.ctx.signal.throwIfAborted();
    this.failed(run, fallback, error);
    return true;
  }

  private failed(run: BackfillRun, fallback: OutageFallbackState, error: Error): void {
    const { provider } = fallback;
    fallback.failed = error;
    run.custom.fallback_reasons = { ...run.custom.fallback_reasons, [provider.name]: messageOf(error) };
    run.ctx.logger.warn(
      { provider: provider.name, error: messageOf(error) },
      `Price history backfill: ${PROVIDER_LABELS[provider.name]} failed too and is asked nothing more this run: ${messageOf(error)}`,
    );
  }

  /**
   * The run's outcome once the fallback was involved: a warning naming what it gave and why, or, after a CoinGecko
   * outage the fallback could not stand in for, the failure: naming both when it failed too, CoinGecko's own error
   * when it could not be asked (no asset mapped, nothing within its plan), as without a fallback.
   */
  report(ctx: Context, custom: BackfillCounts, fallback: OutageFallbackState | undefined): void {
    if (!fallback?.down) return;
    const { provider, down, failed } = fallback;
    if (down.why === 'outage' && fallback.served === 0) {
      if (failed) {
        throw new NoProviderPricedError([
          { provider: 'coingecko', error: down.error },
          { provider: provider.name, error: failed },
        ]);
      }
      throw down.error;
    }
    const why = Object.entries(custom.fallback_reasons ?? {})
      .map(([name, reason]) => `${PROVIDER_LABELS[name as ProviderName]}: ${reason}`)
      .join('; ');
    const points = custom.prices_by_source?.[provider.name] ?? 0;
    ctx.logger.warn(
      {
        provider: provider.name,
        points,
        assets: custom.assets_from_fallback,
        reasons: custom.fallback_reasons,
      },
      `${points} history point(s) came from ${PROVIDER_LABELS[provider.name]}, the fallback: ${why}`,
    );
  }
}

/** The first point of each `spacingMs` bucket (UTC hours or days), oldest first. */
export function onePer(points: readonly ProviderHistoryPoint[], spacingMs: number): ProviderHistoryPoint[] {
  const kept: ProviderHistoryPoint[] = [];
  let bucket = Number.NEGATIVE_INFINITY;
  for (const point of [...points].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    const own = Math.floor(point.at.getTime() / spacingMs);
    if (own === bucket) continue;
    bucket = own;
    kept.push(point);
  }
  return kept;
}

/**
 * The part of a backfill range the provider's plan serves at its granularity or finer (NOTES.md's table), its start
 * kept LIMIT_MARGIN_MS inside the reach; undefined when the plan reaches none of it.
 */
export function withinReach(
  capabilities: ProviderCapabilities,
  granularity: Granularity,
  range: HistoryRange,
  now: Date,
): HistoryRange | undefined {
  const { daily, hourly, fiveMinute } = capabilities.history;
  const fine = granularity === 'hourly' ? [hourly, fiveMinute] : [daily, hourly, fiveMinute];
  if (fine.includes(null)) return range;
  const reachDays = Math.max(...(fine as number[]));
  if (reachDays <= 0) return undefined;
  const from = new Date(Math.max(range.from.getTime(), now.getTime() - reachDays * DAY_MS + LIMIT_MARGIN_MS));
  return from.getTime() < range.to.getTime() ? { from, to: range.to } : undefined;
}
