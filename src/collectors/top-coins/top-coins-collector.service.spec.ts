import { describe, expect, it, vi } from 'vitest';
import { fakeJobContext } from '../../../test/support/job-context.js';
import type { AssetsWriteRepository } from '../../assets/write/assets.write-repository.js';
import type { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import type { MarketCoin } from '../../coingecko/coingecko.types.js';
import type { UpsertCounts, WriteOptions } from '../../database/upsert.js';
import { TopCoinsCollector } from './top-coins-collector.service.js';
import { TOP_COINS_JOB } from './top-coins.job.js';

const SLOT = new Date('2026-11-28T23:59:30.000Z');

function coin(id: string, rank: number | null, marketCap: string | null = '250'): MarketCoin {
  return {
    id,
    symbol: id.slice(0, 3),
    name: id.toUpperCase(),
    image: `https://img.example/${id}.png`,
    currentPrice: '1.5',
    marketCap,
    marketCapRank: rank,
    totalVolume: '10',
    priceChangePercentage24h: '-2.5',
    circulatingSupply: null,
    totalSupply: null,
    maxSupply: null,
    lastUpdated: null,
  };
}

function setup(coins: MarketCoin[], global: () => Promise<{ totalMarketCapUsd: string | null }>) {
  const coingecko = {
    marketsTop: vi.fn(
      async (_limit: number, opts: { onProgress?: (done: number, total: number) => void }) => {
        opts.onProgress?.(1, 1);
        return { items: coins, skipped: 2 };
      },
    ),
    global: vi.fn(global),
  };
  const assets = {
    upsertAssets: vi.fn(async (rows: readonly { coingeckoId: string }[], options: WriteOptions) => {
      const counts = { inserted: rows.length, updated: 0, unchanged: 0 };
      options.onBatch?.(counts);
      return { ...counts, ids: new Map(rows.map((row) => [row.coingeckoId, `id-${row.coingeckoId}`])) };
    }),
  };
  // The database already had the last ranking as it is.
  const rankings = {
    upsertRankings: vi.fn(async (rows: readonly unknown[], options: WriteOptions): Promise<UpsertCounts> => {
      const counts = { inserted: rows.length - 1, updated: 0, unchanged: 1 };
      options.onBatch?.(counts);
      return counts;
    }),
  };
  const collector = new TopCoinsCollector(
    coingecko as unknown as CoinGeckoClient,
    { ...assets, ...rankings } as unknown as AssetsWriteRepository,
  );
  return { collector, coingecko, assets, rankings };
}

describe('TopCoinsCollector.collect', () => {
  it('turns ranked coins into assets and the slot day’s rankings, skipping unranked coins', async () => {
    const { collector, coingecko, assets, rankings } = setup(
      [coin('bitcoin', 1, '750'), coin('unranked', null), coin('ethereum', 2)],
      async () => ({ totalMarketCapUsd: '1000' }),
    );
    const { ctx, lines, progress } = fakeJobContext({ job: TOP_COINS_JOB, slot: SLOT, params: { limit: 3 } });

    const metrics = await collector.collect(ctx);

    expect(coingecko.marketsTop).toHaveBeenCalledWith(3, expect.objectContaining({ signal: ctx.signal }));
    expect(progress).toEqual([[1, 1]]);
    expect(assets.upsertAssets.mock.calls[0]?.[0]).toEqual([
      {
        coingeckoId: 'bitcoin',
        symbol: 'BIT',
        name: 'BITCOIN',
        logoUrl: 'https://img.example/bitcoin.png',
        isActive: true,
      },
      {
        coingeckoId: 'ethereum',
        symbol: 'ETH',
        name: 'ETHEREUM',
        logoUrl: 'https://img.example/ethereum.png',
        isActive: true,
      },
    ]);
    expect(rankings.upsertRankings.mock.calls[0]?.[0]).toEqual([
      {
        assetId: 'id-bitcoin',
        snapshotDate: '2026-11-28',
        rank: 1,
        marketCapUsd: '750',
        priceUsd: '1.5',
        volume24hUsd: '10',
        changePercent24h: '-2.5',
        dominance: '75',
      },
      expect.objectContaining({ assetId: 'id-ethereum', rank: 2, dominance: '25' }),
    ]);
    expect(metrics).toEqual({
      items_processed: 3,
      items_created: 1,
      items_updated: 0,
      items_skipped: 2, // one unranked coin, one unchanged ranking
      custom: {
        coins_collected: 3,
        coins_without_rank: 1,
        malformed_items: 2,
        dominance_available: true,
        assets_created: 2,
        assets_updated: 0,
        rankings_created: 1,
        rankings_updated: 0,
        rankings_unchanged: 1,
      },
    });
    expect(lines.map((line) => line.msg)).toContain('1 coin(s) have no market-cap rank: skipped');
  });

  it('still writes the rankings, without dominance, when /global fails', async () => {
    const { collector, rankings } = setup([coin('bitcoin', 1)], () =>
      Promise.reject(new Error('CoinGecko server error (500) on /global after 3 attempts\nstack detail')),
    );
    const { ctx, lines } = fakeJobContext({ job: TOP_COINS_JOB, slot: SLOT, params: { limit: 1 } });

    const metrics = await collector.collect(ctx);

    expect(rankings.upsertRankings.mock.calls[0]?.[0]).toEqual([
      expect.objectContaining({ dominance: null }),
    ]);
    expect(metrics.custom.dominance_available).toBe(false);
    expect(lines.find((line) => line.level === 40)?.msg).toBe(
      'Could not read the total market cap (dominance left empty): CoinGecko server error (500) on /global after 3 attempts',
    );
  });

  it('gives up when /global fails because the run was aborted', async () => {
    const controller = new AbortController();
    const { collector, rankings } = setup([coin('bitcoin', 1)], () => {
      controller.abort();
      return Promise.reject(new Error('aborted'));
    });
    const { ctx } = fakeJobContext({
      job: TOP_COINS_JOB,
      slot: SLOT,
      params: { limit: 1 },
      signal: controller.signal,
    });

    await expect(collector.collect(ctx)).rejects.toThrow('aborted');
    expect(rankings.upsertRankings).not.toHaveBeenCalled();
  });
});
