import type { MarketDataProvider } from './market-data-provider.js';
import type { ProviderName } from './provider-name.js';

/**
 * The providers configured in `PRICE_PROVIDERS`, in its order of preference: what the fallback chain
 * walks. A provider that is not listed is not here (and so never called through this service).
 */
export class MarketDataProviders {
  private readonly byName: ReadonlyMap<ProviderName, MarketDataProvider>;

  constructor(
    private readonly order: readonly ProviderName[],
    available: readonly MarketDataProvider[],
  ) {
    this.byName = new Map(available.map((provider) => [provider.name, provider]));
    for (const name of order) {
      if (!this.byName.has(name))
        throw new Error(`PRICE_PROVIDERS lists "${name}" but no client implements it`);
    }
  }

  /** The configured providers, most preferred first. */
  ordered(): MarketDataProvider[] {
    return this.order
      .map((name) => this.byName.get(name))
      .filter((p): p is MarketDataProvider => p !== undefined);
  }

  /** The configured provider of that name; undefined when `PRICE_PROVIDERS` does not list it. */
  get(name: ProviderName): MarketDataProvider | undefined {
    return this.order.includes(name) ? this.byName.get(name) : undefined;
  }

  /** The configured names, most preferred first. */
  names(): ProviderName[] {
    return [...this.order];
  }
}
