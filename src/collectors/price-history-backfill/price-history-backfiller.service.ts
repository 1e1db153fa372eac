import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PriceGapsRepository } from '../../assets/price-gaps.repository.js';
import { PriceGapsService } from '../../assets/price-gaps.service.js';
import { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import { CoinGeckoError } from '../../coingecko/coingecko.errors.js';
import type { AppConfig } from '../../config/app-config.js';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import { JobHandler } from '../../jobs/framework/job-handler.decorator.js';
import { isUpstreamFailure } from '../../jobs/job-errors.js';
import { ScheduledJob } from '../../jobs/framework/scheduled-job.js';
import type { JobMetrics } from '../../jobs/job-result.js';
import { MarketDataProviders } from '../../providers/market-data-providers.service.js';
import { BackfillBudget } from './backfill-budget.js';
import type { BackfillCounts, BackfillRun, Context } from './backfill-run.js';
import { backfillDailyFrom } from './daily-from-provider.js';
import { historyRanges, historyRows, SPACING_MS, type HistoryRanges } from './history-points.js';
import { BackfillOutageFallback } from './outage-fallback.js';
import { unservableHistory } from './history-sources.js';
import { PRICE_HISTORY_BACKFILL_JOB } from './price-history-backfill.job.js';
import {
  PriceHistoryCoverageRepository,
  type BackfillCandidate,
  type Granularity,
} from './price-history-coverage.repository.js';
import { callWhenScheduleAllows, DeferredForSchedule } from './schedule-wait.js';
import { SCHEDULE_YIELD_WAIT, ScheduleYield, type YieldWait } from './schedule-yield.js';

/** Key and plan errors concern every asset: they fail the run instead of counting against one asset. */
const RUN_LEVEL_CODES: ReadonlySet<number> = new Set([10002, 10005, 10010, 10011]);

/**
 * Fills the history before an asset was first priced: for each priced asset without complete coverage (tracked
 * ones first, then by rank), one daily range and one hourly range from `/coins/{id}/market_chart/range`, each
 * recorded in `price_history_coverage` as soon as it is stored, so a rerun skips what is done and a killed run
 * resumes at its asset. Rows are only inserted where none exists (collected rows are never touched), marked
 * `backfilled`, and flow into the rollups in the same transaction. An asset whose calls CoinGecko refuses (an
 * unknown coin, a range the plan does not allow, a malformed answer) counts a try; after MAX_TRIES it is set
 * aside. Before each asset the run checks the month's budget against the other jobs' projection and stops,
 * `deferred_for_budget`, when it would not cover the asset's calls. With a second provider in PRICE_PROVIDERS, a
 * CoinGecko outage or a spent budget does not end the run: the rest of it asks that provider (outage-fallback.ts).
 *
 * Metrics: `items_processed` = assets checked, `items_created` = points inserted, `items_skipped` = assets left
 * pending. Custom: assets_checked, assets_backfilled, assets_pending, points_inserted, calls,
 * deferred_for_budget (1 when the run stopped for the budget), assets_failed; with a second provider also
 * calls_by_source, prices_by_source, assets_from_fallback and, once it was asked, fallback_reasons.
 */
@Injectable()
export class PriceHistoryBackfiller extends ScheduledJob(PRICE_HISTORY_BACKFILL_JOB) implements OnModuleInit {
  /** What a CoinGecko call waits on to give the schedule room (schedule-wait.ts). */
  private readonly scheduleDeps: Parameters<typeof callWhenScheduleAllows>[0];

  constructor(
    private readonly coingecko: CoinGeckoClient,
    private readonly gaps: PriceGapsService,
    private readonly prices: PriceGapsRepository,
    private readonly coverage: PriceHistoryCoverageRepository,
    private readonly budget: BackfillBudget,
    private readonly outage: BackfillOutageFallback,
    private readonly config: ConfigService<AppConfig, true>,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
    yields: ScheduleYield,
    @Inject(SCHEDULE_YIELD_WAIT) wait: YieldWait,
    @Optional() private readonly providers?: MarketDataProviders,
  ) {
    super();
    this.scheduleDeps = { yields, wait, clock };
  }

  /**
   * Refuses to start with a history setting no configured plan can serve (every call would be refused). The daily
   * range may go to the next provider of PRICE_PROVIDERS whose plan serves it (history-sources.ts); the hourly
   * range is CoinGecko's on every plan.
   */
  onModuleInit(): void {
    const refusal = unservableHistory(this.config, this.coverage.dailySource !== null);
    if (refusal) throw new Error(refusal);
  }

  @JobHandler(PRICE_HISTORY_BACKFILL_JOB)
  async backfill(ctx: Context): Promise<JobMetrics> {
    const { metrics, logger, settings } = ctx;
    const { limit } = ctx.params;
    const maxTries = settings.PRICE_HISTORY_BACKFILL_MAX_TRIES;
    const now = this.clock.now();
    const history = {
      days: settings.PRICE_HISTORY_BACKFILL_DAYS,
      hourlyDays: settings.PRICE_HISTORY_BACKFILL_HOURLY_DAYS,
    };
    // Which ranges exist depends on the settings only; each call's bounds are taken when it is made.
    const ranges = historyRanges(now, history);
    // The same settings decided it when the coverage was built (history-sources.ts).
    const dailySource = this.coverage.dailySource;
    const dailyProvider = dailySource === null ? undefined : this.providers?.get(dailySource);
    const custom: BackfillCounts = Object.assign(metrics.custom, {
      assets_checked: 0,
      assets_backfilled: 0,
      assets_pending: 0,
      points_inserted: 0,
      calls: 0,
      deferred_for_budget: 0,
      assets_failed: 0,
      waited_for_schedule_ms: 0,
      deferred_for_schedule: 0,
    });
    const fallback = this.outage.forRun(custom);
    const second = dailyProvider ?? fallback?.provider;
    if (second) {
      custom.calls_by_source = { [second.name]: 0 };
      custom.prices_by_source = { coingecko: 0, [second.name]: 0 };
    }
    const run: BackfillRun = { ctx, custom, now, history, dailyProvider, fallback };

    const assets = await this.coverage.candidates(this.gaps.pricedLimit, maxTries, limit);
    const headroom = await this.budget.headroom(now);
    ctx.progress(0, assets.length);
    for (const [index, asset] of assets.entries()) {
      ctx.signal.throwIfAborted();
      // The budget is CoinGecko's: a daily range on another provider costs it nothing.
      const needed = callsNeeded(asset, ranges, dailyProvider !== undefined);
      if (!fallback?.down && headroom !== null && headroom - custom.calls < needed) {
        custom.deferred_for_budget = 1;
        const left = Math.max(0, headroom - custom.calls);
        logger.warn(
          { headroom, calls: custom.calls, needed, asset: asset.coingeckoId },
          `Price history backfill deferred for the budget: ${left} call(s) left this month ` +
            `after the scheduled jobs' projection, ${asset.coingeckoId} needs ${needed}`,
        );
        if (!fallback) break;
        const reason =
          `CoinGecko's monthly budget leaves the backfill ${left} call(s) after the scheduled jobs' projection, ` +
          `${asset.coingeckoId} needs ${needed}`;
        this.outage.coingeckoDown(run, 'budget', new Error(reason));
      }
      custom.assets_checked++;
      let outcome: AssetOutcome;
      try {
        outcome = await this.backfillAsset(asset, ranges, run);
      } catch (error) {
        if (!(error instanceof DeferredForSchedule)) throw error;
        custom.deferred_for_schedule = 1;
        logger.warn(
          { waited_ms: custom.waited_for_schedule_ms, asset: asset.coingeckoId, reason: error.message },
          `Price history backfill deferred for the schedule: waited ${custom.waited_for_schedule_ms} ms for other jobs' ` +
            `CoinGecko calls (${error.message}); ${asset.coingeckoId} and the rest wait for the next run`,
        );
        break;
      }
      if (outcome === 'backfilled') custom.assets_backfilled++;
      else if (outcome === 'failed') custom.assets_failed++;
      else if (outcome === 'fallback') custom.assets_from_fallback = (custom.assets_from_fallback ?? 0) + 1;
      metrics.items_created = custom.points_inserted;
      ctx.progress(index + 1, assets.length);
    }

    const counts = await this.coverage.counts(this.gaps.pricedLimit, maxTries);
    custom.assets_pending = counts.pending;
    metrics.items_processed = custom.assets_checked;
    metrics.items_skipped = counts.pending;
    logger.info(
      { ...custom, limit, set_aside: counts.set_aside },
      `Price history: ${custom.assets_backfilled} of ${custom.assets_checked} asset(s) backfilled with ${custom.calls} call(s), ` +
        `${custom.points_inserted} point(s) inserted; ${counts.pending} pending, ${counts.set_aside} set aside` +
        (custom.deferred_for_budget ? '; deferred for the budget' : ''),
    );
    this.outage.report(ctx, custom, fallback);
    return metrics;
  }

  /**
   * Both ranges of one asset (those not done yet): `failed` when a call was refused and counted as a try,
   * `fallback` when the outage fallback stood in for a CoinGecko range, `waiting` when it could not.
   */
  private async backfillAsset(
    asset: BackfillCandidate,
    ranges: HistoryRanges,
    run: BackfillRun,
  ): Promise<AssetOutcome> {
    let outcome: AssetOutcome = 'backfilled';
    const plan: [Granularity, boolean, { from: Date; to: Date } | null][] = [
      ['hourly', asset.hourlyDone, ranges.hourly],
      ['daily', asset.dailyDone, ranges.daily],
    ];
    for (const [granularity, done, range] of plan) {
      if (done) continue;
      if (granularity === 'daily' && run.dailyProvider && range !== null) {
        if (run.fallback?.failed && run.fallback.provider === run.dailyProvider) continue;
        const deps = { prices: this.prices, coverage: this.coverage, clock: this.clock };
        try {
          if (!(await backfillDailyFrom(deps, run.dailyProvider, asset, range, run))) return 'failed';
        } catch (error) {
          // With CoinGecko down too, its outage is the fallback's: the run's outcome names both.
          if (!this.outage.dailyProviderFailed(run, error)) throw error;
        }
        continue;
      }
      if (range === null) {
        // No daily range to ask (DAYS within the hourly window): nothing is missing there.
        await this.coverage.rangeDone(asset.id, granularity, { from: null, to: null, inserted: 0 }, run.now);
        continue;
      }
      if (run.fallback?.down) {
        outcome = merge(outcome, await this.outage.fill(asset, granularity, run));
        continue;
      }
      let asked = range;
      let chart;
      try {
        chart = await callWhenScheduleAllows(this.scheduleDeps, run, () => {
          // From the clock at the call, not at the run's start: pacing and yield waits would otherwise push
          // the oldest bound past the plan's 365 days (beyond LIMIT_MARGIN_MS), a refusal counted as a try.
          asked = historyRanges(this.clock.now(), run.history)[granularity] ?? range;
          return this.coingecko.marketChartRange(asset.coingeckoId, asked, { signal: run.ctx.signal });
        });
        run.custom.calls++;
      } catch (error) {
        // Only a call CoinGecko answered was sent: not one stopped in a yield wait, refused by the limiter's
        // terms or the budget (nothing sent), or cancelled before an answer.
        if (error instanceof CoinGeckoError) run.custom.calls++;
        if (!isAssetLevel(error)) {
          // An outage or the spent budget, after the client's retries; a cancel is neither.
          if (!run.fallback || !(error instanceof Error) || !isUpstreamFailure(error)) throw error;
          run.ctx.signal.throwIfAborted();
          // The client's budget refusal is an outage here: without a stand-in it fails the run, as it did before.
          this.outage.coingeckoDown(run, 'outage', error);
          outcome = merge(outcome, await this.outage.fill(asset, granularity, run));
          continue;
        }
        const tries = await this.coverage.failed(asset.id, error.message, run.now);
        run.ctx.logger.warn(
          { asset: asset.coingeckoId, granularity, tries, error: error.message },
          `Price history of ${asset.coingeckoId} (${granularity}) failed, try ${tries}: ${error.message}`,
        );
        return 'failed';
      }
      // A coin listed within the range answers from its first point on: that is its whole history.
      const { rows, first, last } = historyRows(asset.id, chart, asked, SPACING_MS[granularity]);
      const inserted = await this.prices.insertMissing(rows, { signal: run.ctx.signal, backfilled: true });
      run.custom.points_inserted += inserted;
      if (run.custom.prices_by_source)
        run.custom.prices_by_source.coingecko = (run.custom.prices_by_source.coingecko ?? 0) + inserted;
      await this.coverage.rangeDone(asset.id, granularity, { from: first, to: last, inserted }, run.now);
      // The daily range is another provider's: CoinGecko's row is complete with its hourly range.
      if (run.dailyProvider && granularity === 'hourly') {
        await this.coverage.rangeDone(asset.id, 'daily', { from: null, to: null, inserted: 0 }, run.now);
      }
    }
    return outcome;
  }
}

/** `waiting`: CoinGecko was not asked and the fallback could not stand in (no id there, nothing within its plan). */
type AssetOutcome = 'backfilled' | 'failed' | 'fallback' | 'waiting';

/** An asset's outcome after one more of its ranges went to the fallback, which served it or not. */
function merge(outcome: AssetOutcome, served: boolean): AssetOutcome {
  return served || outcome === 'fallback' ? 'fallback' : 'waiting';
}

/** CoinGecko calls the asset still needs (its budget is what is checked). */
function callsNeeded(asset: BackfillCandidate, ranges: HistoryRanges, dailyElsewhere: boolean): number {
  return (asset.hourlyDone ? 0 : 1) + (asset.dailyDone || ranges.daily === null || dailyElsewhere ? 0 : 1);
}

/** A refusal that concerns this asset's request only (unknown coin, range past the plan's limit, bad answer). */
function isAssetLevel(error: unknown): error is CoinGeckoError {
  if (!(error instanceof CoinGeckoError)) return false;
  if (error.kind === 'client_error' || error.kind === 'invalid_response') return true;
  return error.kind === 'auth' && (error.errorCode === undefined || !RUN_LEVEL_CODES.has(error.errorCode));
}
