import { Injectable } from '@nestjs/common';
import { PriceGapsRepository } from '../../assets/price-gaps.repository.js';
import { isUpstreamFailure } from '../../jobs/job-errors.js';
import { CoinPaprikaError } from '../../providers/coinpaprika/coinpaprika.errors.js';
import { messageOf, NoProviderPricedError } from '../../providers/fallback/price-fallback.js';
import { chartOf } from '../../providers/market-data-provider.js';
import { HistoryRangeUnavailableError } from '../../providers/provider-errors.js';
import { PROVIDER_LABELS, type ProviderName } from '../../providers/provider-name.js';
import { PriceGapAttemptsRepository } from './price-gap-attempts.repository.js';
import {
  rowOf,
  type AssetHoles,
  type Context,
  type RepairCounts,
  type RepairRun,
  type RunProviders,
} from './price-gap-run.js';
import { fallbackRange, fillHoles, type ChartRange } from './price-holes.js';

/**
 * Gap repair's second provider (docs/providers.md, "Gap repair and history backfill"): the holes of a range
 * CoinGecko failed, from the fallback's history within its plan, and the run's outcome once it was involved.
 */
@Injectable()
export class PriceGapFallback {
  constructor(
    private readonly prices: PriceGapsRepository,
    private readonly attempts: PriceGapAttemptsRepository,
  ) {}

  /**
   * The holes of one range CoinGecko failed, from the fallback provider's history, within its plan: the holes it
   * left when it answered, null when it was not asked or failed. Its own failure is kept for the run's outcome and ends its part in the run; holes it cannot
   * serve (no mapped id, beyond the plan, no point near the slot) stay holes without counting a try: CoinGecko
   * may still fill them once it answers again.
   */
  async fill(asset: AssetHoles, range: ChartRange, run: RepairRun): Promise<Date[] | null> {
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
      if (!(error instanceof Error && isUpstreamFailure(error))) throw error;
      providers.failed[provider.name] ??= error;
      custom.fallback_reasons = { ...custom.fallback_reasons, [provider.name]: messageOf(error) };
      return null;
    }
    providers.served++;
    const { filled, unfilled } = fillHoles(asked, chartOf(points));
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
  report(ctx: Context, custom: RepairCounts, providers: RunProviders): void {
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
