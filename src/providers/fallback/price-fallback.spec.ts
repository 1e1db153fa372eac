import { describe, expect, it } from 'vitest';
import type { MarketDataProvider, ProviderQuote } from '../market-data-provider.js';
import type { ProviderName } from '../provider-name.js';
import { NoProviderPricedError, priceWithFallback, type AssetToPrice } from './price-fallback.js';

function quote(providerId: string, priceUsd: string | null = '1.5'): ProviderQuote {
  return {
    providerId,
    symbol: 'X',
    name: 'X',
    rank: 1,
    priceUsd,
    marketCapUsd: null,
    volume24hUsd: null,
    changePercent24h: null,
  };
}

/** A provider answering from a table of ids, or failing with `error`; records what it was asked. */
function provider(name: ProviderName, answers: Record<string, string | null>, error?: Error) {
  const asked: string[][] = [];
  const value: MarketDataProvider = {
    name,
    marketsTop: () => Promise.reject(new Error('not used')),
    historyRange: () => Promise.reject(new Error('not used')),
    capabilities: () => ({ history: { daily: 0, hourly: 0, fiveMinute: 0 } }),
    prices: (ids) => {
      asked.push([...ids]);
      if (error) return Promise.reject(error);
      const items = ids.filter((id) => id in answers).map((id) => quote(id, answers[id] ?? null));
      return Promise.resolve({ items, missing: ids.filter((id) => !(id in answers)) });
    },
  };
  return { value, asked };
}

const asset = (n: number, paprika = true): AssetToPrice => ({
  assetId: `asset-${n}`,
  providerIds: { coingecko: `cg-${n}`, ...(paprika ? { coinpaprika: `cp-${n}` } : {}) },
});

describe('priceWithFallback', () => {
  it('asks the next provider only for what the first left, once, with every left asset it knows', async () => {
    const gecko = provider('coingecko', { 'cg-1': '10', 'cg-2': null });
    const paprika = provider('coinpaprika', { 'cp-2': '20', 'cp-3': '30' });
    const outcome = await priceWithFallback(
      [gecko.value, paprika.value],
      [asset(1), asset(2), asset(3), asset(4, false)],
    );
    expect(paprika.asked).toEqual([['cp-2', 'cp-3']]);
    expect(outcome.priced.map(({ assetId, source }) => `${assetId}:${source}`)).toEqual([
      'asset-1:coingecko',
      'asset-2:coinpaprika',
      'asset-3:coinpaprika',
    ]);
    expect(outcome.unpriced.map((a) => a.assetId)).toEqual(['asset-4']);
    expect(outcome.bySource).toEqual({ coingecko: 1, coinpaprika: 2 });
    expect(outcome.reasons).toEqual({ coingecko: 'answered without 3 of 4 asset(s)' });
  });

  it('falls back for every asset when the first provider fails, saying why', async () => {
    const gecko = provider(
      'coingecko',
      {},
      new Error('CoinGecko rate limit (429) on /coins/markets after 5 attempts'),
    );
    const paprika = provider('coinpaprika', { 'cp-1': '10', 'cp-2': '20' });
    const outcome = await priceWithFallback([gecko.value, paprika.value], [asset(1), asset(2)]);
    expect(outcome.bySource).toEqual({ coingecko: 0, coinpaprika: 2 });
    expect(outcome.reasons.coingecko).toContain('429');
  });

  it('never calls a provider when nothing is left for it', async () => {
    const gecko = provider('coingecko', { 'cg-1': '10' });
    const paprika = provider('coinpaprika', {});
    const outcome = await priceWithFallback([gecko.value, paprika.value], [asset(1)]);
    expect(paprika.asked).toEqual([]);
    expect(outcome.bySource).toEqual({ coingecko: 1, coinpaprika: 0 });
  });

  it('throws the only failure unchanged, and names every provider when all failed', async () => {
    const original = new Error('CoinGecko server error (503)');
    const alone = provider('coingecko', {}, original);
    await expect(priceWithFallback([alone.value], [asset(1)])).rejects.toBe(original);
    const unmapped = provider('coinpaprika', {});
    await expect(priceWithFallback([alone.value, unmapped.value], [asset(1, false)])).rejects.toBe(original);

    const paprika = provider('coinpaprika', {}, new Error('CoinPaprika server error (502) on /tickers'));
    const both = priceWithFallback([alone.value, paprika.value], [asset(1)]);
    await expect(both).rejects.toBeInstanceOf(NoProviderPricedError);
    await expect(both).rejects.toThrow(
      'No provider could price the assets: CoinGecko: CoinGecko server error (503); CoinPaprika: CoinPaprika server error (502) on /tickers',
    );
  });

  it('stops at once when the job is aborted, without asking the next provider', async () => {
    const controller = new AbortController();
    const failing = provider('coingecko', {}, new Error('aborted'));
    failing.value.prices = () => {
      controller.abort(new Error('run timed out'));
      return Promise.reject(new Error('aborted'));
    };
    const paprika = provider('coinpaprika', { 'cp-1': '1' });
    await expect(
      priceWithFallback([failing.value, paprika.value], [asset(1)], { signal: controller.signal }),
    ).rejects.toThrow('run timed out');
    expect(paprika.asked).toEqual([]);
  });
});
