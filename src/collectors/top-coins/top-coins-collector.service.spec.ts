import { describe, expect, it, vi } from 'vitest';
import { fakeJobContext } from '../../../test/support/job-context.js';
import type { AssetsWriteRepository } from '../../assets/write/assets.write-repository.js';
import type { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import type { MarketCoin } from '../../coingecko/coingecko.types.js';
import type { UpsertCounts, WriteOptions } from '../../database/upsert.js';
import type { MarketDataProvider, ProviderQuote } from '../../providers/market-data-provider.js';
import { MarketDataProviders } from '../../providers/market-data-providers.service.js';
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

function ticker(providerId: string, rank: number | null): ProviderQuote {
  return {
    providerId,
    symbol: providerId.slice(0, 3).toUpperCase(),
    name: providerId,
    rank,
    priceUsd: '2.5',
    marketCapUsd: '500',
    volume24hUsd: '20',
    changePercent24h: '1.25',
  };
}

/** A CoinPaprika stand-in: its marketsTop answers `tickers`, or fails with `failure`. */
function paprika(tickers: ProviderQuote[] | Error) {
  return {
    name: 'coinpaprika' as const,
    marketsTop: vi.fn(async () => {
      if (tickers instanceof Error) throw tickers;
      return tickers;
    }),
  };
}

function setup(
  coins: MarketCoin[] | Error,
  global: () => Promise<{ totalMarketCapUsd: string | null }>,
  options: { fallback?: ReturnType<typeof paprika>; mapped?: Record<string, string> } = {},
) {
  const coingecko = {
    marketsTop: vi.fn(
      async (_limit: number, opts: { onProgress?: (done: number, total: number) => void }) => {
        if (coins instanceof Error) throw coins;
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
  const mapped = new Map(Object.entries(options.mapped ?? {}));
  const mappings = {
    assetIdsAt: vi.fn(
      async (_provider: string, ids: readonly string[]) =>
        new Map(ids.filter((id) => mapped.has(id)).map((id) => [id, mapped.get(id) ?? ''])),
    ),
  };
  const rankings = {
    upsertRankings: vi.fn(async (rows: readonly unknown[], options: WriteOptions): Promise<UpsertCounts> => {
      const counts = { inserted: rows.length - 1, updated: 0, unchanged: 1 };
      options.onBatch?.(counts);
      return counts;
    }),
  };
  const gecko = { name: 'coingecko' as const };
  const providers = options.fallback
    ? new MarketDataProviders(
        ['coingecko', 'coinpaprika'],
        [gecko as unknown as MarketDataProvider, options.fallback as unknown as MarketDataProvider],
      )
    : new MarketDataProviders(['coingecko'], [gecko as unknown as MarketDataProvider]);
  const collector = new TopCoinsCollector(
    coingecko as unknown as CoinGeckoClient,
    { ...assets, ...rankings, ...mappings } as unknown as AssetsWriteRepository,
    providers,
  );
  return { collector, coingecko, assets, rankings, mappings };
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
        rankings_by_source: { coingecko: 2 },
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

describe('TopCoinsCollector.collect with a fallback provider', () => {
  const down = new Error('CoinGecko server error (503) on /coins/markets after 5 attempts\nbody');

  it('ranks the mapped coins from the fallback when CoinGecko fails, creating no asset', async () => {
    const fallback = paprika([ticker('btc-bitcoin', 1), ticker('xyz-unknown', 2), ticker('eth-ethereum', 3)]);
    const { collector, assets, rankings } = setup(down, () => Promise.reject(new Error('not asked')), {
      fallback,
      mapped: { 'btc-bitcoin': 'asset-btc', 'eth-ethereum': 'asset-eth' },
    });
    const { ctx, lines } = fakeJobContext({ job: TOP_COINS_JOB, slot: SLOT, params: { limit: 3 } });

    const metrics = await collector.collect(ctx);

    expect(fallback.marketsTop).toHaveBeenCalledWith(3, expect.objectContaining({ signal: ctx.signal }));
    expect(assets.upsertAssets).not.toHaveBeenCalled();
    expect(rankings.upsertRankings.mock.calls[0]?.[0]).toEqual([
      {
        assetId: 'asset-btc',
        snapshotDate: '2026-11-28',
        rank: 1,
        marketCapUsd: '500',
        priceUsd: '2.5',
        volume24hUsd: '20',
        changePercent24h: '1.25',
        dominance: null,
        source: 'coinpaprika',
      },
      expect.objectContaining({ assetId: 'asset-eth', rank: 3, source: 'coinpaprika' }),
    ]);
    expect(metrics).toMatchObject({
      items_processed: 3,
      items_created: 1,
      items_skipped: 2, // one unmapped coin, one unchanged ranking
      custom: {
        coins_collected: 3,
        coins_unmapped: 1,
        dominance_available: false,
        assets_created: 0,
        rankings_by_source: { coingecko: 0, coinpaprika: 2 },
        fallback_reasons: { coingecko: 'CoinGecko server error (503) on /coins/markets after 5 attempts' },
      },
    });
    const warnings = lines.filter((line) => line.level === 40).map((line) => line.msg);
    expect(warnings).toEqual([
      '2 ranking(s) came from CoinPaprika, the fallback: CoinGecko: CoinGecko server error (503) on /coins/markets after 5 attempts',
      '1 CoinPaprika coin(s) are mapped to no asset and were not ranked: xyz-unknown',
    ]);
  });

  it('fails naming both providers when the fallback fails too, writing nothing', async () => {
    const { collector, rankings } = setup(down, () => Promise.reject(new Error('not asked')), {
      fallback: paprika(new Error('CoinPaprika server error (502) on /tickers after 3 attempts')),
    });
    const { ctx } = fakeJobContext({ job: TOP_COINS_JOB, slot: SLOT, params: { limit: 3 } });

    await expect(collector.collect(ctx)).rejects.toMatchObject({
      name: 'NoProviderRankedError',
      upstream: true,
      message:
        'No provider could rank the top coins: CoinGecko: CoinGecko server error (503) on /coins/markets after 5 attempts; ' +
        'CoinPaprika: CoinPaprika server error (502) on /tickers after 3 attempts',
    });
    expect(rankings.upsertRankings).not.toHaveBeenCalled();
  });

  it('fails when the fallback can rank no known asset (nothing mapped yet)', async () => {
    const { collector, rankings } = setup(down, () => Promise.reject(new Error('not asked')), {
      fallback: paprika([ticker('btc-bitcoin', 1)]),
    });
    const { ctx } = fakeJobContext({ job: TOP_COINS_JOB, slot: SLOT, params: { limit: 1 } });

    await expect(collector.collect(ctx)).rejects.toThrow(
      /CoinPaprika: none of its 1 ranked coin\(s\) is mapped to an asset/,
    );
    expect(rankings.upsertRankings).not.toHaveBeenCalled();
  });

  it('throws CoinGecko’s own error, unchanged, when no fallback is configured', async () => {
    const { collector } = setup(down, () => Promise.reject(new Error('not asked')));
    const { ctx } = fakeJobContext({ job: TOP_COINS_JOB, slot: SLOT, params: { limit: 1 } });

    await expect(collector.collect(ctx)).rejects.toBe(down);
  });

  it('asks no fallback when the run was aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const fallback = paprika([ticker('btc-bitcoin', 1)]);
    const { collector } = setup(down, () => Promise.reject(new Error('not asked')), { fallback });
    const { ctx } = fakeJobContext({
      job: TOP_COINS_JOB,
      slot: SLOT,
      params: { limit: 1 },
      signal: controller.signal,
    });

    await expect(collector.collect(ctx)).rejects.toBe(down);
    expect(fallback.marketsTop).not.toHaveBeenCalled();
  });

  it('counts a CoinGecko success with the fallback configured as all CoinGecko', async () => {
    const fallback = paprika([]);
    const { collector } = setup([coin('bitcoin', 1)], async () => ({ totalMarketCapUsd: '1000' }), {
      fallback,
    });
    const { ctx } = fakeJobContext({ job: TOP_COINS_JOB, slot: SLOT, params: { limit: 1 } });

    const metrics = await collector.collect(ctx);

    expect(metrics.custom.rankings_by_source).toEqual({ coingecko: 1, coinpaprika: 0 });
    expect(metrics.custom.fallback_reasons).toBeUndefined();
    expect(fallback.marketsTop).not.toHaveBeenCalled();
  });
});
