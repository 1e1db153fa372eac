import type { PriceGapsRepository } from '../../assets/price-gaps.repository.js';
import type { Clock } from '../../jobs/clock.js';
import { CoinPaprikaError } from '../../providers/coinpaprika/coinpaprika.errors.js';
import { messageOf } from '../../providers/fallback/price-fallback.js';
import { chartOf, type MarketDataProvider } from '../../providers/market-data-provider.js';
import { HistoryRangeUnavailableError } from '../../providers/provider-errors.js';
import { PROVIDER_LABELS } from '../../providers/provider-name.js';
import { historyRanges, historyRows, SPACING_MS } from './history-points.js';
import type { BackfillCounts, Context } from './backfill-run.js';
import type {
  BackfillCandidate,
  PriceHistoryCoverageRepository,
} from './price-history-coverage.repository.js';

/**
 * The daily range from the provider whose plan serves it (CoinGecko's does not), recorded in that provider's own
 * coverage row, rows with its source. An asset it has no id for waits for the mapping job without a try; a
 * refusal of this asset's request (unknown coin, plan, bad answer) counts a try; its outage fails the run.
 */
export async function backfillDailyFrom(
  deps: { prices: PriceGapsRepository; coverage: PriceHistoryCoverageRepository; clock: Clock },
  provider: MarketDataProvider,
  asset: BackfillCandidate,
  range: { from: Date; to: Date },
  run: { ctx: Context; custom: BackfillCounts; now: Date; history: { days: number; hourlyDays: number } },
): Promise<boolean> {
  const providerId = asset.dailyProviderId;
  if (!providerId) return true;
  const asked = historyRanges(deps.clock.now(), run.history).daily ?? range;
  const calls = (run.custom.calls_by_source ??= {});
  let points;
  try {
    calls[provider.name] = (calls[provider.name] ?? 0) + 1;
    points = await provider.historyRange(providerId, asked, { signal: run.ctx.signal });
  } catch (error) {
    run.ctx.signal.throwIfAborted();
    const assetLevel =
      error instanceof HistoryRangeUnavailableError ||
      (error instanceof CoinPaprikaError &&
        (error.kind === 'client_error' || error.kind === 'invalid_response'));
    // Refused before it was sent (beyond the plan, the budget): not a call.
    if (!(error instanceof CoinPaprikaError)) calls[provider.name] = (calls[provider.name] ?? 1) - 1;
    if (!assetLevel) throw error;
    const message = messageOf(error);
    const tries = await deps.coverage.failed(asset.id, message, run.now, provider.name);
    run.ctx.logger.warn(
      { asset: asset.coingeckoId, provider: provider.name, granularity: 'daily', tries, error: message },
      `Price history of ${asset.coingeckoId} (daily, ${PROVIDER_LABELS[provider.name]}) failed, try ${tries}: ${message}`,
    );
    return false;
  }
  const { rows, first, last } = historyRows(asset.id, chartOf(points), asked, SPACING_MS.daily);
  const inserted = await deps.prices.insertMissing(rows, {
    signal: run.ctx.signal,
    backfilled: true,
    source: provider.name,
  });
  run.custom.points_inserted += inserted;
  const bySource = (run.custom.prices_by_source ??= {});
  bySource[provider.name] = (bySource[provider.name] ?? 0) + inserted;
  // Its row holds the daily range only: the hourly one is CoinGecko's.
  await deps.coverage.rangeDone(
    asset.id,
    'hourly',
    { from: null, to: null, inserted: 0 },
    run.now,
    provider.name,
  );
  await deps.coverage.rangeDone(
    asset.id,
    'daily',
    { from: first, to: last, inserted },
    run.now,
    provider.name,
  );
  return true;
}
