import { Inject, Injectable } from '@nestjs/common';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import { JobHandler, type JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../jobs/framework/scheduled-job.js';
import type { JobMetrics } from '../../jobs/job-result.js';
import { MarketDataProviders } from '../../providers/market-data-providers.service.js';
import { PROVIDER_LABELS } from '../../providers/provider-name.js';
import type { ComparedQuote } from '../divergence-scan.js';
import { PriceFlagsWriteRepository } from '../price-flags.write-repository.js';
import { PRICE_CROSS_CHECK_JOB } from './price-cross-check.job.js';
import { PriceCrossCheckRepository } from './price-cross-check.repository.js';

type Context = JobHandlerContext<typeof PRICE_CROSS_CHECK_JOB>;

/**
 * How far from the call a stored row may be to stand for "now": one price_collection interval either side,
 * so the run at :05 meets the :00 slot, and a slot the collection missed is not replaced by an older price.
 */
export const CROSS_CHECK_WINDOW_MS = 15 * 60_000;

/** How many diverging assets a log line names; the count is always complete. */
const NAMED_IN_LOG = 20;

/**
 * `price_cross_check`: the second provider of PRICE_PROVIDERS is asked once (CoinPaprika: one `/tickers` call,
 * through its `prices()`) for every asset it has an id for and the preferred provider has a stored row of
 * within CROSS_CHECK_WINDOW_MS of the run's time; each quote is held against that row. The quote's time is
 * the run's: CoinPaprika refreshes its tickers every 5 minutes, well inside the window. A difference over
 * PRICE_DIVERGENCE_PERCENT flags the stored row (`divergence`, found_by `cross_check`); the other provider's
 * price is not stored. A flag already recorded is kept, so a rerun records nothing twice.
 *
 * Metrics: `items_processed` = assets compared, `items_created` = flags newly recorded, `items_skipped` =
 * the rest; custom `assets_compared`, `divergences` (assets over the threshold this run, recorded before or
 * not), `flags_recorded`, `assets_unanswered` (the other provider had no price for them).
 */
@Injectable()
export class PriceCrossChecker extends ScheduledJob(PRICE_CROSS_CHECK_JOB) {
  constructor(
    private readonly providers: MarketDataProviders,
    private readonly stored: PriceCrossCheckRepository,
    private readonly flags: PriceFlagsWriteRepository,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {
    super();
  }

  @JobHandler(PRICE_CROSS_CHECK_JOB)
  async check(ctx: Context): Promise<JobMetrics> {
    const { metrics } = ctx;
    Object.assign(metrics.custom, { assets_compared: 0, divergences: 0, flags_recorded: 0 });
    const [preferred, other] = this.providers.ordered();
    if (!preferred || !other) {
      // Nothing to hold the prices against: no call is spent. The run says so and ends.
      metrics.custom.not_checked = 'PRICE_PROVIDERS lists one provider';
      ctx.logger.info('PRICE_PROVIDERS lists one provider: no cross-check, no call');
      return metrics;
    }
    const at = this.clock.now();
    const rows = await this.stored.storedNear({
      at,
      windowMs: CROSS_CHECK_WINDOW_MS,
      source: preferred.name,
      other: other.name,
    });
    if (rows.length === 0) {
      ctx.logger.info(
        { source: preferred.name, other: other.name },
        `No asset has a ${PROVIDER_LABELS[preferred.name]} price near ${at.toISOString()} and a ` +
          `${PROVIDER_LABELS[other.name]} id: no call`,
      );
      return metrics;
    }
    // A failure of the one call fails the run with the provider's own error (it names the provider): nothing
    // has been written yet.
    const answer = await other.prices(
      rows.map((row) => row.providerId),
      { signal: ctx.signal, onProgress: (done, total) => ctx.progress(done, total) },
    );
    ctx.signal.throwIfAborted();
    const quotes = new Map(answer.items.map((quote) => [quote.providerId, quote]));
    const compared: ComparedQuote[] = [];
    for (const row of rows) {
      const price = quotes.get(row.providerId)?.priceUsd;
      if (price === null || price === undefined) continue;
      compared.push({
        assetId: row.assetId,
        timestamp: row.timestamp,
        source: preferred.name,
        otherSource: other.name,
        otherPriceUsd: price,
        otherAt: at,
      });
    }
    const { found, recorded } = await this.flags.recordQuoteDivergences(compared);
    Object.assign(metrics.custom, {
      assets_compared: compared.length,
      divergences: found,
      flags_recorded: recorded.length,
      assets_unanswered: rows.length - compared.length,
    });
    metrics.items_processed = compared.length;
    metrics.items_created = recorded.length;
    metrics.items_skipped = compared.length - recorded.length;
    const named = recorded
      .slice(0, NAMED_IN_LOG)
      .map((flag) => flag.assetId)
      .join(', ');
    ctx.logger.info(
      {
        source: preferred.name,
        other: other.name,
        assetsCompared: compared.length,
        divergences: found,
        flagsRecorded: recorded.length,
      },
      `Cross-checked ${compared.length} ${PROVIDER_LABELS[preferred.name]} price(s) against ` +
        `${PROVIDER_LABELS[other.name]}: ${found} diverge by more than the threshold, ${recorded.length} newly flagged` +
        (recorded.length > 0 ? ` (${named}${recorded.length > NAMED_IN_LOG ? ', …' : ''})` : ''),
    );
    return metrics;
  }
}
