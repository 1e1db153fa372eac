import { describe, expect, it, vi } from 'vitest';
import { fakeJobContext } from '../../../test/support/job-context.js';
import type { AssetRef, AssetsWriteRepository } from '../../assets/write/assets.write-repository.js';
import type {
  ContractsWriteRepository,
  PendingDecimals,
} from '../../assets/write/contracts.write-repository.js';
import type { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import { CoinGeckoError } from '../../coingecko/coingecko.errors.js';
import type { CoinDetail } from '../../coingecko/coingecko.types.js';
import type { UpsertCounts, WriteOptions } from '../../database/upsert.js';
import { ContractAddressesCollector } from './contract-addresses-collector.service.js';
import { CONTRACT_ADDRESSES_JOB } from './contract-addresses.job.js';

const SLOT = new Date('2026-11-28T01:00:00.000Z');
const WETH = '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2';

const asset = (coingeckoId: string): AssetRef => ({ id: `id-${coingeckoId}`, coingeckoId });

function setup(options: {
  assets: AssetRef[];
  list?: { id: string; platforms: Record<string, string | null> }[];
  pending?: PendingDecimals[];
  coin?: (id: string) => Promise<Partial<CoinDetail>>;
}) {
  const coingecko = {
    coinsListWithPlatforms: vi.fn(async () => ({ items: options.list ?? [], skipped: 0 })),
    coin: vi.fn(options.coin ?? (async () => ({ detailPlatforms: {} }))),
  };
  const assets = { activeAssetsByRank: vi.fn(async () => options.assets) };
  const contracts = {
    upsertContracts: vi.fn(async (rows: readonly unknown[], write: WriteOptions): Promise<UpsertCounts> => {
      const counts = { inserted: rows.length, updated: 0, unchanged: 0 };
      write.onBatch?.(counts);
      return counts;
    }),
    pendingDecimals: vi.fn(async () => options.pending ?? []),
    recordDecimals: vi.fn(async () => ({ inserted: 0, updated: 0, unchanged: 0 })),
  };
  const collector = new ContractAddressesCollector(
    coingecko as unknown as CoinGeckoClient,
    assets as unknown as AssetsWriteRepository,
    contracts as unknown as ContractsWriteRepository,
  );
  return { collector, coingecko, assets, contracts };
}

const context = (decimalsPerRun = 50, limit: number | null = null) =>
  fakeJobContext({
    job: CONTRACT_ADDRESSES_JOB,
    slot: SLOT,
    params: { limit },
    settings: { CONTRACT_ADDRESSES_DECIMALS_PER_RUN: decimalsPerRun },
  });

describe('ContractAddressesCollector.collect', () => {
  it('normalises the contracts of known assets; a contract two assets claim stays with the better-ranked one', async () => {
    const { collector, assets, contracts } = setup({
      assets: [asset('weth'), asset('bridged-weth'), asset('bitcoin'), asset('not-listed')],
      list: [
        { id: 'weth', platforms: { ethereum: WETH, solana: 'So11111111111111111111111111111111111111112' } },
        { id: 'bridged-weth', platforms: { ethereum: WETH.toLowerCase() } },
        { id: 'bitcoin', platforms: { '': '' } },
      ],
    });
    const { ctx, lines } = context(0, 4);

    const metrics = await collector.collect(ctx);

    expect(assets.activeAssetsByRank).toHaveBeenCalledWith(4);
    expect(contracts.upsertContracts.mock.calls[0]?.[0]).toEqual([
      expect.objectContaining({ assetId: 'id-weth', chain: 'ethereum', contractAddress: WETH.toLowerCase() }),
      expect.objectContaining({
        assetId: 'id-weth',
        chain: 'solana',
        contractAddress: 'So11111111111111111111111111111111111111112',
      }),
    ]);
    expect(metrics).toMatchObject({
      items_processed: 3,
      items_created: 2,
      items_skipped: 1,
      custom: {
        assets_processed: 4,
        assets_skipped: 2,
        assets_unknown_to_coingecko: 1,
        assets_without_contracts: 1,
        contracts_conflicting: 1,
        contracts_created: 2,
        decimals_calls: 0,
      },
    });
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining([
        "1 asset(s) are not in CoinGecko's coin list and were skipped",
        '1 contract(s) were also claimed by a better-ranked asset and were skipped',
      ]),
    );
    expect(contracts.pendingDecimals).not.toHaveBeenCalled();
  });

  it('asks for decimals never-asked assets first, then those asked longest ago, at most DECIMALS_PER_RUN', async () => {
    const pending = (coingeckoId: string, checkedAt: string | null): PendingDecimals => ({
      assetId: `id-${coingeckoId}`,
      chain: 'ethereum',
      contractAddress: `0x${coingeckoId}`,
      checkedAt: checkedAt === null ? null : new Date(checkedAt),
    });
    const { collector, coingecko, contracts } = setup({
      assets: [asset('asked-recently'), asset('asked-long-ago'), asset('never-asked'), asset('complete')],
      pending: [
        pending('asked-recently', '2026-11-27T01:00:00Z'),
        pending('asked-long-ago', '2026-11-01T01:00:00Z'),
        pending('never-asked', null),
      ],
      coin: async (id) => ({
        detailPlatforms: { ethereum: { contractAddress: `0x${id}`, decimalPlace: 18 } },
      }),
    });
    const { ctx } = context(2);

    const metrics = await collector.collect(ctx);

    expect(coingecko.coin.mock.calls.map(([id]) => id)).toEqual(['never-asked', 'asked-long-ago']);
    expect(contracts.recordDecimals).toHaveBeenCalledWith(
      [
        expect.objectContaining({
          assetId: 'id-never-asked',
          contractAddress: '0xnever-asked',
          decimals: 18,
        }),
        expect.objectContaining({
          assetId: 'id-asked-long-ago',
          decimals: 18,
          checkedAt: expect.any(Date) as Date,
        }),
      ],
      { signal: ctx.signal },
    );
    expect(metrics.custom).toMatchObject({ decimals_calls: 2, decimals_filled: 2 });
  });

  it('records a coin CoinGecko does not know (404) as asked, and stops the pass on any other failure', async () => {
    const failure = (status: number) =>
      new CoinGeckoError({
        kind: status === 404 ? 'client_error' : 'server_error',
        status,
        detail: 'x',
        endpoint: '/coins/{id}',
        path: '/coins/x',
        attempts: 1,
        message: `CoinGecko failed with ${status}\nmore`,
      });
    const { collector, coingecko, contracts } = setup({
      assets: [asset('gone'), asset('flaky'), asset('never-reached')],
      pending: ['gone', 'flaky', 'never-reached'].map((id) => ({
        assetId: `id-${id}`,
        chain: 'ethereum',
        contractAddress: `0x${id}`,
        checkedAt: null,
      })),
      coin: (id) => Promise.reject(failure(id === 'gone' ? 404 : 503)),
    });
    const { ctx, lines } = context();

    const metrics = await collector.collect(ctx);

    expect(coingecko.coin).toHaveBeenCalledTimes(2);
    expect(contracts.recordDecimals).toHaveBeenCalledWith(
      [expect.objectContaining({ assetId: 'id-gone', decimals: null })],
      expect.anything(),
    );
    expect(metrics.custom).toMatchObject({
      decimals_calls: 2,
      decimals_filled: 0,
      decimals_error: 'CoinGecko failed with 503',
    });
    expect(lines.map((line) => line.msg)).toContain(
      'Stopped filling token decimals: CoinGecko failed with 503',
    );
  });
});
