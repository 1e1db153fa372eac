import { Injectable } from '@nestjs/common';
import { normaliseContract, type NormalisedContract } from '../../assets/contract-chains.js';
import { AssetsWriteRepository, type AssetRef } from '../../assets/write/assets.write-repository.js';
import {
  ContractsWriteRepository,
  type ContractRow,
  type DecimalsAnswer,
  type PendingDecimals,
} from '../../assets/write/contracts.write-repository.js';
import { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import { CoinGeckoBudgetError, CoinGeckoError } from '../../coingecko/coingecko.errors.js';
import { JobHandler, type JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import { ScheduledJob } from '../../jobs/framework/scheduled-job.js';
import { describeFailure } from '../../jobs/job-errors.js';
import type { JobMetrics } from '../../jobs/job-result.js';
import { countWrites } from '../write-metrics.js';
import { CONTRACT_ADDRESSES_JOB } from './contract-addresses.job.js';

/** How many examples a summary log line names; counts are always complete. */
const NAMED_IN_LOG = 10;

/**
 * Contract addresses of the assets we know, from ONE call to `/coins/list?include_platform=true`
 * (never one call per coin), normalised (chain ids, EVM addresses lower-cased) and upserted on
 * `(chain, contract_address)`. Token decimals come from `/coins/{id}` for contracts that have none yet,
 * at most CONTRACT_ADDRESSES_DECIMALS_PER_RUN calls per run, so the job stays cheap and converges.
 *
 * Metrics: `items_processed` = contracts found; `items_created` / `items_updated` = contract rows really
 * inserted / changed; `items_skipped` = rows already identical plus contracts another, better-ranked
 * asset claimed. Custom: assets_processed, assets_skipped (unknown to CoinGecko's list or without
 * contracts), contracts_created, contracts_updated, contracts_unchanged, contracts_conflicting,
 * decimals_calls, decimals_filled.
 */
@Injectable()
export class ContractAddressesCollector extends ScheduledJob(CONTRACT_ADDRESSES_JOB) {
  constructor(
    private readonly coingecko: CoinGeckoClient,
    private readonly assets: AssetsWriteRepository,
    private readonly contracts: ContractsWriteRepository,
  ) {
    super();
  }

  @JobHandler(CONTRACT_ADDRESSES_JOB)
  async collect(ctx: JobHandlerContext<typeof CONTRACT_ADDRESSES_JOB>): Promise<JobMetrics> {
    const { metrics, signal } = ctx;
    const custom = metrics.custom;
    const assets = await this.assets.activeAssetsByRank(ctx.params.limit);
    custom.assets_processed = assets.length;
    const list = await this.coingecko.coinsListWithPlatforms({ signal });
    const platformsById = new Map(list.items.map((coin) => [coin.id, coin.platforms]));

    // Assets come best-ranked first, so the first claim on a contract is the one that stays.
    const owners = new Map<string, ContractRow>();
    const unknown: string[] = [];
    const conflicts: string[] = [];
    let withoutContracts = 0;
    for (const asset of assets) {
      const platforms = platformsById.get(asset.coingeckoId);
      if (!platforms) {
        unknown.push(asset.coingeckoId);
        continue;
      }
      const found = Object.entries(platforms)
        .map(([platform, address]) => normaliseContract(platform, address))
        .filter((contract): contract is NormalisedContract => contract !== null);
      if (found.length === 0) {
        withoutContracts += 1;
        continue;
      }
      for (const contract of found) {
        const key = `${contract.chain}\u0000${contract.contractAddress}`;
        const owner = owners.get(key);
        if (!owner) owners.set(key, { ...contract, assetId: asset.id });
        else if (owner.assetId !== asset.id)
          conflicts.push(`${asset.coingeckoId} on ${contract.chain} ${contract.contractAddress}`);
      }
    }
    const rows = [...owners.values()];
    metrics.items_processed = rows.length + conflicts.length;
    metrics.items_skipped = conflicts.length;
    Object.assign(custom, {
      assets_skipped: unknown.length + withoutContracts,
      assets_unknown_to_coingecko: unknown.length,
      assets_without_contracts: withoutContracts,
      contracts_conflicting: conflicts.length,
    });
    if (unknown.length > 0) {
      ctx.logger.info(
        { assetsUnknown: unknown.length, coingeckoIds: unknown.slice(0, NAMED_IN_LOG) },
        `${unknown.length} asset(s) are not in CoinGecko's coin list and were skipped`,
      );
    }
    if (conflicts.length > 0) {
      ctx.logger.info(
        { contractsConflicting: conflicts.length, examples: conflicts.slice(0, NAMED_IN_LOG) },
        `${conflicts.length} contract(s) were also claimed by a better-ranked asset and were skipped`,
      );
    }

    await this.contracts.upsertContracts(rows, {
      signal,
      onBatch: countWrites(metrics, conflicts.length, (totals) => ({
        contracts_created: totals.inserted,
        contracts_updated: totals.updated,
        contracts_unchanged: totals.unchanged,
      })),
    });

    await this.fillDecimals(ctx, assets);
    return metrics;
  }

  /**
   * Decimals for contracts that have none, one `/coins/{id}` call per asset and at most
   * CONTRACT_ADDRESSES_DECIMALS_PER_RUN calls: assets never asked first (best-ranked first), then those
   * asked longest ago — so a coin whose decimals CoinGecko does not know cannot hold the queue and the job
   * converges over runs. A CoinGecko failure here ends the decimals pass (the next run continues) but not
   * the run: the addresses are written already.
   */
  private async fillDecimals(
    ctx: JobHandlerContext<typeof CONTRACT_ADDRESSES_JOB>,
    assets: readonly AssetRef[],
  ): Promise<void> {
    const custom = ctx.metrics.custom;
    Object.assign(custom, { decimals_calls: 0, decimals_filled: 0 });
    const decimalsPerRun = ctx.settings.CONTRACT_ADDRESSES_DECIMALS_PER_RUN;
    if (decimalsPerRun === 0) return;
    const pending = new Map<string, PendingDecimals[]>();
    for (const contract of await this.contracts.pendingDecimals()) {
      const list = pending.get(contract.assetId) ?? [];
      list.push(contract);
      pending.set(contract.assetId, list);
    }
    const lastAsked = (asset: AssetRef): number =>
      Math.max(...(pending.get(asset.id) ?? []).map((contract) => contract.checkedAt?.getTime() ?? -1));
    const queue = assets
      .filter((asset) => pending.has(asset.id))
      .map((asset, order) => ({ asset, order, asked: lastAsked(asset) }))
      .sort((a, b) => a.asked - b.asked || a.order - b.order)
      .slice(0, decimalsPerRun)
      .map(({ asset }) => asset);

    const checkedAt = new Date();
    const rows: DecimalsAnswer[] = [];
    let calls = 0;
    for (const asset of queue) {
      calls += 1;
      custom.decimals_calls = calls;
      const known = new Map<string, number>();
      try {
        const detail = await this.coingecko.coin(asset.coingeckoId, { signal: ctx.signal });
        for (const [platform, entry] of Object.entries(detail.detailPlatforms)) {
          const contract = normaliseContract(platform, entry.contractAddress);
          if (contract && entry.decimalPlace !== null) {
            known.set(`${contract.chain}\u0000${contract.contractAddress}`, entry.decimalPlace);
          }
        }
      } catch (error) {
        // A spent monthly budget fails the run at once, like any job's (the batches written stay).
        if (ctx.signal.aborted || error instanceof CoinGeckoBudgetError) throw error;
        if (!(error instanceof CoinGeckoError && error.status === 404)) {
          custom.decimals_error = describeFailure(error);
          ctx.logger.warn({ err: error }, `Stopped filling token decimals: ${describeFailure(error)}`);
          break;
        }
      }
      // Asked, whatever the answer: unknown decimals go to the back of the queue.
      for (const { chain, contractAddress } of pending.get(asset.id) ?? []) {
        const decimals = known.get(`${chain}\u0000${contractAddress}`) ?? null;
        rows.push({ assetId: asset.id, chain, contractAddress, decimals, checkedAt });
      }
    }
    await this.contracts.recordDecimals(rows, { signal: ctx.signal });
    custom.decimals_filled = rows.filter((row) => row.decimals !== null).length;
  }
}
