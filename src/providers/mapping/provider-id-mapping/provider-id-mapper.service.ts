import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../../config/app-config.js';
import { JOB_CLOCK, type Clock } from '../../../jobs/clock.js';
import { JobHandler, type JobHandlerContext } from '../../../jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../../jobs/framework/scheduled-job.js';
import type { JobMetrics } from '../../../jobs/job-result.js';
import { CoinPaprikaClient } from '../../coinpaprika/coinpaprika.client.js';
import type { ProviderName } from '../../provider-name.js';
import { AssetProviderIdsRepository } from '../asset-provider-ids.repository.js';
import { AssetProviderIdsWriteRepository } from '../asset-provider-ids.write-repository.js';
import { matchCoins } from '../coin-matcher.js';
import { PROVIDER_ID_MAPPING_JOB } from './provider-id-mapping.job.js';

type Context = JobHandlerContext<typeof PROVIDER_ID_MAPPING_JOB>;

const PROVIDER: ProviderName = 'coinpaprika';

/** A `/coins` answer without one active coin is CoinPaprika failing, not every coin delisted. */
export class EmptyCoinListError extends Error {
  readonly upstream = true;
  constructor() {
    super('CoinPaprika GET /coins listed no active coin; the mappings are kept as they were');
    this.name = 'EmptyCoinListError';
  }
}

/**
 * `provider_id_mapping`: every asset not set by an admin is matched (coin-matcher.ts) against CoinPaprika's
 * coin list, fetched once, and the outcomes are written in one transaction. A rule mapping the run no longer
 * makes (its coin vanished or went inactive, or is now ambiguous) is removed, and the asset is listed with
 * the new outcome: prices are never read under an id the rules no longer vouch for. Admin mappings, and the
 * assets an admin cleared, are left alone; an admin's id is never given to another asset.
 *
 * Metrics: `items_processed` = assets matched, `items_created`/`items_updated` = rule mappings inserted /
 * moved to another id, `items_skipped` = the rest; custom `assets_mapped`, `assets_unmapped`,
 * `assets_ambiguous`, `mappings_removed`, `admin_assets`, `coins_listed`.
 */
@Injectable()
export class ProviderIdMapper extends ScheduledJob(PROVIDER_ID_MAPPING_JOB) {
  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    private readonly coinpaprika: CoinPaprikaClient,
    private readonly reads: AssetProviderIdsRepository,
    private readonly writes: AssetProviderIdsWriteRepository,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {
    super();
  }

  @JobHandler(PROVIDER_ID_MAPPING_JOB)
  async map(ctx: Context): Promise<JobMetrics> {
    const { metrics } = ctx;
    const custom = { assets_mapped: 0, assets_unmapped: 0, assets_ambiguous: 0, mappings_removed: 0 };
    Object.assign(metrics.custom, custom);
    if (!this.config.get('providers', { infer: true }).order.includes(PROVIDER)) {
      // Not in use: no call is spent on a list nothing would read. The run says so and ends.
      metrics.custom.not_mapped = 'coinpaprika is not in PRICE_PROVIDERS';
      ctx.logger.info({ provider: PROVIDER }, 'coinpaprika is not in PRICE_PROVIDERS: no mapping, no call');
      return metrics;
    }
    const [assets, admin] = await Promise.all([
      this.reads.matchableAssets(),
      this.writes.adminState(PROVIDER),
    ]);
    const matchable = assets.filter((asset) => !admin.adminAssets.has(asset.assetId));
    metrics.custom.admin_assets = assets.length - matchable.length;
    if (matchable.length === 0) {
      ctx.logger.info({ provider: PROVIDER, assets: assets.length }, 'No asset to map: no call');
      return metrics;
    }
    const coins = await this.coinpaprika.coins({ signal: ctx.signal });
    metrics.custom.coins_listed = coins.length;
    if (!coins.some((coin) => coin.isActive)) throw new EmptyCoinListError();
    ctx.signal.throwIfAborted();

    const outcomes = matchCoins({ assets: matchable, coins, reserved: admin.reserved });
    const write = await this.writes.applyRun({
      provider: PROVIDER,
      outcomes: matchable.flatMap((asset) => {
        const outcome = outcomes.get(asset.assetId);
        return outcome ? [{ assetId: asset.assetId, outcome }] : [];
      }),
      checkedAt: this.clock.now(),
    });
    for (const outcome of outcomes.values()) {
      if (outcome.status === 'mapped') custom.assets_mapped += 1;
      else if (outcome.status === 'ambiguous') custom.assets_ambiguous += 1;
      else custom.assets_unmapped += 1;
    }
    // An id an admin took while the run was matching stays the admin's: that asset counts as unmapped.
    custom.assets_mapped -= write.held;
    custom.assets_unmapped += write.held;
    custom.mappings_removed = write.removed;
    Object.assign(metrics.custom, custom);
    metrics.items_processed = matchable.length;
    metrics.items_created = write.created;
    metrics.items_updated = write.updated;
    metrics.items_skipped = matchable.length - write.created - write.updated;
    ctx.progress(matchable.length, matchable.length);
    ctx.logger.info(
      { provider: PROVIDER, ...custom, created: write.created, updated: write.updated, coins: coins.length },
      `Mapped ${custom.assets_mapped} of ${matchable.length} assets to CoinPaprika ids ` +
        `(${custom.assets_ambiguous} ambiguous, ${custom.assets_unmapped} unmapped, ${write.removed} rule mappings removed)`,
    );
    return metrics;
  }
}
