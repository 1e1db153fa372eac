import type { ConfigService } from '@nestjs/config';
import { describe, expect, it, vi } from 'vitest';
import type { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import type { MarketCoin } from '../../coingecko/coingecko.types.js';
import type { AppConfig, CoinGeckoPlan } from '../../config/app-config.js';
import { HistoryRangeUnavailableError } from '../provider-errors.js';
import { CoinGeckoMarketDataProvider } from './coingecko.provider.js';

const NOW = new Date('2026-12-07T12:00:00Z');
const DAY = 86_400_000;

function coin(id: string, price: string | null, rank: number | null = 1): MarketCoin {
  return {
    id,
    symbol: id.slice(0, 3),
    name: id,
    image: null,
    currentPrice: price,
    marketCap: '1000',
    marketCapRank: rank,
    totalVolume: '50',
    priceChangePercentage24h: '-1.5',
    circulatingSupply: null,
    totalSupply: null,
    maxSupply: null,
    lastUpdated: null,
  };
}

function adapter(plan: CoinGeckoPlan, client: Partial<CoinGeckoClient>) {
  const config = { get: () => ({ plan }) } as unknown as ConfigService<AppConfig, true>;
  return new CoinGeckoMarketDataProvider(client as CoinGeckoClient, config, { now: () => NOW });
}

describe('CoinGecko as a MarketDataProvider', () => {
  it('maps /coins/markets coins to quotes; an unpriced coin counts as missing', async () => {
    const marketsByIds = vi.fn(() =>
      Promise.resolve({
        items: [coin('bitcoin', '97000.5'), coin('ghost', null)],
        skipped: 0,
        missing: ['gone'],
      }),
    );
    const provider = adapter('demo', { marketsByIds });
    const result = await provider.prices(['bitcoin', 'ghost', 'gone']);
    expect(marketsByIds).toHaveBeenCalledWith(['bitcoin', 'ghost', 'gone'], undefined);
    expect(result).toEqual({
      items: [
        {
          providerId: 'bitcoin',
          symbol: 'BIT',
          name: 'bitcoin',
          rank: 1,
          priceUsd: '97000.5',
          marketCapUsd: '1000',
          volume24hUsd: '50',
          changePercent24h: '-1.5',
        },
      ],
      missing: ['gone', 'ghost'],
    });
  });

  it('joins the market chart’s three series by time and drops points without a price', async () => {
    const marketChartRange = vi.fn(() =>
      Promise.resolve({
        prices: [
          { at: 1000, value: '1.5' },
          { at: 2000, value: null },
          { at: 3000, value: '1.7' },
        ],
        marketCaps: [{ at: 1000, value: '10' }],
        totalVolumes: [{ at: 3000, value: '7' }],
      }),
    );
    const provider = adapter('public', { marketChartRange });
    const points = await provider.historyRange('bitcoin', { from: new Date(NOW.getTime() - DAY), to: NOW });
    expect(points).toEqual([
      { at: new Date(1000), priceUsd: '1.5', marketCapUsd: '10', volume24hUsd: null },
      { at: new Date(3000), priceUsd: '1.7', marketCapUsd: null, volume24hUsd: '7' },
    ]);
  });

  it('never asks the public and Demo plans for history over 365 days; Pro has no cut', async () => {
    const marketChartRange = vi.fn(() => Promise.resolve({ prices: [], marketCaps: [], totalVolumes: [] }));
    const old = { from: new Date(NOW.getTime() - 400 * DAY), to: NOW };
    for (const plan of ['public', 'demo'] as const) {
      const provider = adapter(plan, { marketChartRange });
      expect(provider.capabilities().history).toEqual({ daily: 365, hourly: 90, fiveMinute: 1 });
      await expect(provider.historyRange('bitcoin', old)).rejects.toBeInstanceOf(
        HistoryRangeUnavailableError,
      );
    }
    expect(marketChartRange).not.toHaveBeenCalled();
    const pro = adapter('pro', { marketChartRange });
    expect(pro.capabilities().history.daily).toBeNull();
    await pro.historyRange('bitcoin', old);
    expect(marketChartRange).toHaveBeenCalledTimes(1);
  });
});
