import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import { emptyMetrics } from '../../jobs/job-result.js';
import type { MarketDataProvider, ProviderPrices } from '../../providers/market-data-provider.js';
import type { MarketDataProviders } from '../../providers/market-data-providers.service.js';
import type { PriceFlagsWriteRepository } from '../price-flags.write-repository.js';
import type { PRICE_CROSS_CHECK_JOB } from './price-cross-check.job.js';
import type { PriceCrossCheckRepository, StoredPrice } from './price-cross-check.repository.js';
import { CROSS_CHECK_WINDOW_MS, PriceCrossChecker } from './price-cross-checker.service.js';

const NOW = new Date('2026-06-02T12:05:00Z');
const SLOT = new Date('2026-06-02T12:00:00Z');

const stored = (id: string, price = '100'): StoredPrice => ({
  assetId: `asset-${id}`,
  providerId: `${id}-paprika`,
  timestamp: SLOT,
  priceUsd: price,
});

const quote = (providerId: string, priceUsd: string | null) => ({
  providerId,
  symbol: 'X',
  name: 'X',
  rank: 1,
  priceUsd,
  marketCapUsd: null,
  volume24hUsd: null,
  changePercent24h: null,
});

function checker(options: { order: string[]; rows?: StoredPrice[]; answer?: () => Promise<ProviderPrices> }) {
  const answer = options.answer ?? (() => Promise.resolve({ items: [], missing: [] }));
  const prices = vi.fn((ids: readonly string[]) => {
    void ids;
    return answer();
  });
  const providers = options.order.map((name) => ({ name, prices }) as unknown as MarketDataProvider);
  const storedNear = vi.fn(() => Promise.resolve(options.rows ?? []));
  const recordQuoteDivergences = vi.fn(() => Promise.resolve({ found: 1, recorded: [] }));
  const service = new PriceCrossChecker(
    { ordered: () => providers } as unknown as MarketDataProviders,
    { storedNear } as unknown as PriceCrossCheckRepository,
    { recordQuoteDivergences } as unknown as PriceFlagsWriteRepository,
    { now: () => NOW },
  );
  return { service, prices, storedNear, recordQuoteDivergences };
}

function context(): JobHandlerContext<typeof PRICE_CROSS_CHECK_JOB> {
  return {
    runId: '00000000-0000-0000-0000-000000000001',
    attempt: 1,
    logger: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    slot: NOW,
    params: {},
    metrics: emptyMetrics(),
    progress: () => undefined,
    settings: {},
  };
}

describe('PriceCrossChecker', () => {
  it('with one provider reads nothing and calls nothing', async () => {
    const { service, prices, storedNear } = checker({ order: ['coingecko'] });
    const metrics = await service.check(context());
    expect(prices).not.toHaveBeenCalled();
    expect(storedNear).not.toHaveBeenCalled();
    expect(metrics.custom).toMatchObject({ assets_compared: 0, divergences: 0 });
  });

  it('makes no call when no asset has a stored price near the run', async () => {
    const { service, prices, storedNear } = checker({ order: ['coingecko', 'coinpaprika'] });
    await service.check(context());
    expect(storedNear).toHaveBeenCalledWith({
      at: NOW,
      windowMs: CROSS_CHECK_WINDOW_MS,
      source: 'coingecko',
      other: 'coinpaprika',
    });
    expect(prices).not.toHaveBeenCalled();
  });

  it('asks the second provider once and compares only the assets it priced', async () => {
    const { service, prices, recordQuoteDivergences } = checker({
      order: ['coingecko', 'coinpaprika'],
      rows: [stored('a'), stored('b'), stored('c')],
      answer: () =>
        Promise.resolve({
          items: [quote('a-paprika', '104'), quote('b-paprika', null)],
          missing: ['c-paprika'],
        }),
    });
    const metrics = await service.check(context());
    expect(prices).toHaveBeenCalledTimes(1);
    expect(prices.mock.calls[0]?.[0]).toEqual(['a-paprika', 'b-paprika', 'c-paprika']);
    expect(recordQuoteDivergences).toHaveBeenCalledWith([
      {
        assetId: 'asset-a',
        timestamp: SLOT,
        source: 'coingecko',
        otherSource: 'coinpaprika',
        otherPriceUsd: '104',
        otherAt: NOW,
      },
    ]);
    expect(metrics.custom).toMatchObject({ assets_compared: 1, assets_unanswered: 2, divergences: 1 });
  });

  it("fails with the provider's own error and records nothing", async () => {
    const failure = new Error('CoinPaprika GET /tickers failed (503)');
    const { service, recordQuoteDivergences } = checker({
      order: ['coingecko', 'coinpaprika'],
      rows: [stored('a')],
      answer: () => Promise.reject(failure),
    });
    await expect(service.check(context())).rejects.toBe(failure);
    expect(recordQuoteDivergences).not.toHaveBeenCalled();
  });
});
