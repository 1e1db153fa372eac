import { describe, expect, it } from 'vitest';
import type { MarketDataProvider } from './market-data-provider.js';
import { MarketDataProviders } from './market-data-providers.service.js';

const stub = (name: MarketDataProvider['name']) => ({ name }) as MarketDataProvider;

describe('MarketDataProviders', () => {
  it('gives the configured providers in PRICE_PROVIDERS order, and only those', () => {
    const providers = new MarketDataProviders(
      ['coinpaprika', 'coingecko'],
      [stub('coingecko'), stub('coinpaprika')],
    );
    expect(providers.ordered().map((provider) => provider.name)).toEqual(['coinpaprika', 'coingecko']);
    const one = new MarketDataProviders(['coingecko'], [stub('coingecko'), stub('coinpaprika')]);
    expect(one.ordered().map((provider) => provider.name)).toEqual(['coingecko']);
    expect(one.get('coingecko')?.name).toBe('coingecko');
    expect(one.get('coinpaprika')).toBeUndefined();
  });

  it('refuses a configured name without a client', () => {
    expect(() => new MarketDataProviders(['coinpaprika'], [stub('coingecko')])).toThrow(
      'PRICE_PROVIDERS lists "coinpaprika" but no client implements it',
    );
  });
});
