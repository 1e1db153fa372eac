import { describe, expect, it, vi } from 'vitest';
import { fakeJobContext } from '../../../test/support/job-context.js';
import type { AssetsWriteRepository, TrackedAsset } from '../../assets/write/assets.write-repository.js';
import type { PricesWriteRepository } from '../../assets/write/prices.write-repository.js';
import type { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import type { MarketCoin } from '../../coingecko/coingecko.types.js';
import type { UpsertCounts, WriteOptions } from '../../database/upsert.js';
import type { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config.js';
import { systemClock } from '../../jobs/clock.js';
import { CoinGeckoMarketDataProvider } from '../../providers/coingecko/coingecko.provider.js';
import type { MarketDataProvider } from '../../providers/market-data-provider.js';
import { MarketDataProviders } from '../../providers/market-data-providers.service.js';
import { PriceCollector } from './price-collector.service.js';
import { PRICES_JOB } from './prices.job.js';

const SLOT = new Date('2026-11-28T09:45:07.250Z');

const quote = (id: string, currentPrice: string | null): Partial<MarketCoin> => ({
  id,
  symbol: 'x',
  name: id,
  marketCapRank: null,
  currentPrice,
  totalVolume: '20',
  marketCap: '300',
  priceChangePercentage24h: '1.25',
});

function setup(tracked: TrackedAsset[], quotes: Partial<MarketCoin>[]) {
  const coingecko = { marketsByIds: vi.fn(async () => ({ items: quotes, skipped: 0, missing: [] })) };
  const assets = { trackedAssets: vi.fn(async () => tracked) };
  const prices = {
    // One row was stored already with the same values.
    upsertPrices: vi.fn(async (rows: readonly unknown[], options: WriteOptions): Promise<UpsertCounts> => {
      const counts = { inserted: rows.length - 1, updated: 0, unchanged: 1 };
      options.onBatch?.(counts);
      return counts;
    }),
  };
  const config = { get: () => ({ plan: 'public' }) } as unknown as ConfigService<AppConfig, true>;
  const gecko = new CoinGeckoMarketDataProvider(coingecko as unknown as CoinGeckoClient, config, systemClock);
  const collector = new PriceCollector(
    new MarketDataProviders(['coingecko'], [gecko]),
    assets as unknown as AssetsWriteRepository,
    prices as unknown as PricesWriteRepository,
  );
  return { collector, coingecko, assets, prices };
}

const asset = (coingeckoId: string): TrackedAsset => ({
  id: `id-${coingeckoId}`,
  coingeckoId,
  symbol: 'X',
  coinpaprikaId: null,
});

describe('PriceCollector.collect', () => {
  it('stores a price per tracked asset at the slot floored to the minute and skips those without one', async () => {
    const { collector, coingecko, assets, prices } = setup(
      [asset('bitcoin'), asset('ethereum'), asset('delisted'), asset('no-price')],
      [quote('bitcoin', '97000.5'), quote('ethereum', '3500'), quote('no-price', null)],
    );
    const { ctx, lines } = fakeJobContext({ job: PRICES_JOB, slot: SLOT, params: { limit: 2 } });

    const metrics = await collector.collect(ctx);

    expect(assets.trackedAssets).toHaveBeenCalledWith(2);
    expect(coingecko.marketsByIds).toHaveBeenCalledWith(
      ['bitcoin', 'ethereum', 'delisted', 'no-price'],
      expect.objectContaining({ signal: ctx.signal }),
    );
    expect(prices.upsertPrices.mock.calls[0]?.[0]).toEqual([
      {
        assetId: 'id-bitcoin',
        source: 'coingecko',
        timestamp: new Date('2026-11-28T09:45:00.000Z'),
        priceUsd: '97000.5',
        volume24hUsd: '20',
        marketCapUsd: '300',
        changePercent24h: '1.25',
      },
      expect.objectContaining({ assetId: 'id-ethereum', priceUsd: '3500' }),
    ]);
    expect(metrics).toEqual({
      items_processed: 4,
      items_created: 1,
      items_updated: 0,
      items_skipped: 3, // two without a price, one unchanged
      custom: {
        assets_tracked: 4,
        prices_collected: 2,
        assets_without_price: 2,
        prices_stored: 1,
        prices_unchanged: 1,
        prices_by_source: { coingecko: 2 },
      },
    });
    const skipped = lines.find((line) => line.msg.includes('had no price'));
    expect(skipped?.msg).toBe(
      "2 tracked asset(s) had no price in CoinGecko's answer and were skipped: delisted, no-price",
    );
  });

  it('names at most 20 unpriced assets in its log line', async () => {
    const tracked = Array.from({ length: 22 }, (_, index) => asset(`coin-${index}`));
    const { collector } = setup(tracked, []);
    const { ctx, lines } = fakeJobContext({ job: PRICES_JOB, slot: SLOT, params: { limit: 22 } });

    await collector.collect(ctx);

    const skipped = lines.find((line) => line.msg.includes('had no price'));
    expect(skipped?.msg).toMatch(/^22 tracked asset\(s\).*: coin-0, .*coin-19, …$/);
    expect(skipped?.coingeckoIds).toHaveLength(20);
  });

  it('asks CoinGecko nothing when no asset is tracked', async () => {
    const { collector, coingecko, prices } = setup([], []);
    const { ctx, lines } = fakeJobContext({ job: PRICES_JOB, slot: SLOT, params: { limit: 100 } });

    const metrics = await collector.collect(ctx);

    expect(coingecko.marketsByIds).not.toHaveBeenCalled();
    expect(prices.upsertPrices).not.toHaveBeenCalled();
    expect(metrics.items_processed).toBe(0);
    expect(lines.map((line) => line.msg)).toContain(
      'No tracked assets: the latest ranking is empty and no asset is marked is_tracked',
    );
  });
});

describe('PriceCollector.collect with a fallback provider', () => {
  it('prices what CoinGecko failed from the next provider, tags each row and says why', async () => {
    const failing = {
      marketsByIds: vi.fn(async () => Promise.reject(new Error('CoinGecko server error (503)'))),
    };
    const config = { get: () => ({ plan: 'public' }) } as unknown as ConfigService<AppConfig, true>;
    const gecko = new CoinGeckoMarketDataProvider(failing as unknown as CoinGeckoClient, config, systemClock);
    const paprika: MarketDataProvider = {
      name: 'coinpaprika',
      marketsTop: vi.fn(),
      historyRange: vi.fn(),
      capabilities: () => ({ history: { daily: 365, hourly: 1, fiveMinute: 0 } }),
      prices: vi.fn(async (ids: readonly string[]) => ({
        items: ids.map((providerId) => ({
          providerId,
          symbol: 'BTC',
          name: 'Bitcoin',
          rank: 1,
          priceUsd: '97001.25',
          marketCapUsd: '1',
          volume24hUsd: '2',
          changePercent24h: '0.5',
        })),
        missing: [],
      })),
    };
    const stored: unknown[] = [];
    const prices = {
      upsertPrices: vi.fn(async (rows: readonly unknown[], options: WriteOptions): Promise<UpsertCounts> => {
        stored.push(...rows);
        const counts = { inserted: rows.length, updated: 0, unchanged: 0 };
        options.onBatch?.(counts);
        return counts;
      }),
    };
    const tracked = [{ ...asset('bitcoin'), coinpaprikaId: 'btc-bitcoin' }, asset('unmapped')];
    const collector = new PriceCollector(
      new MarketDataProviders(['coingecko', 'coinpaprika'], [gecko, paprika]),
      { trackedAssets: vi.fn(async () => tracked) } as unknown as AssetsWriteRepository,
      prices as unknown as PricesWriteRepository,
    );
    const { ctx, lines } = fakeJobContext({ job: PRICES_JOB, slot: SLOT, params: { limit: 2 } });

    const metrics = await collector.collect(ctx);

    expect(paprika.prices).toHaveBeenCalledTimes(1);
    expect(stored).toEqual([
      expect.objectContaining({ assetId: 'id-bitcoin', source: 'coinpaprika', priceUsd: '97001.25' }),
    ]);
    expect(metrics.custom).toMatchObject({
      prices_by_source: { coingecko: 0, coinpaprika: 1 },
      fallback_reasons: { coingecko: 'CoinGecko server error (503)' },
      assets_without_price: 1,
    });
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining([
        '1 price(s) came from CoinPaprika, the fallback: CoinGecko: CoinGecko server error (503)',
        '1 tracked asset(s) had no price from any provider (CoinGecko, CoinPaprika) and were skipped: unmapped',
      ]),
    );
  });
});
