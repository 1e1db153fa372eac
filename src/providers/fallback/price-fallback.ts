import type { PagedCallOptions } from '../../coingecko/coingecko.types.js';
import type { MarketDataProvider, ProviderQuote } from '../market-data-provider.js';
import { PROVIDER_LABELS, type ProviderName } from '../provider-name.js';

/** An asset to price, with its id at each provider that knows it (CoinGecko's always; others once mapped). */
export interface AssetToPrice {
  assetId: string;
  providerIds: Partial<Record<ProviderName, string>>;
}

export interface PricedQuote {
  assetId: string;
  source: ProviderName;
  quote: ProviderQuote;
}

export interface FallbackOutcome {
  priced: PricedQuote[];
  /** Assets no provider priced. */
  unpriced: AssetToPrice[];
  /** Prices taken from each provider asked (every configured provider appears, 0 when it gave none). */
  bySource: Partial<Record<ProviderName, number>>;
  /** Why a provider left assets to the next one (its error, its budget, or the assets it did not answer for). */
  reasons: Partial<Record<ProviderName, string>>;
}

/** Every provider asked failed outright: nothing was priced. Upstream, so a trigger answers 502. */
export class NoProviderPricedError extends Error {
  override readonly name = 'NoProviderPricedError';
  readonly upstream = true as const;
  readonly retryable = false as const;

  constructor(readonly failures: ReadonlyArray<{ provider: ProviderName; error: unknown }>) {
    super(
      `No provider could price the assets: ${failures
        .map(({ provider, error }) => `${PROVIDER_LABELS[provider]}: ${messageOf(error)}`)
        .join('; ')}`,
    );
  }
}

/**
 * Prices assets from the providers in order of preference: each asset from the first provider that answers
 * for it. The next provider is asked only for what the previous ones left: assets they failed (after their
 * own retries), were over their budget for, or answered without. An asset a provider has no id for is
 * never asked of it. When the only provider asked fails, its own error is thrown unchanged, so a service
 * with one provider behaves as it did before there were several.
 */
export async function priceWithFallback(
  providers: readonly MarketDataProvider[],
  assets: readonly AssetToPrice[],
  opts: PagedCallOptions = {},
): Promise<FallbackOutcome> {
  let left = [...assets];
  const priced: PricedQuote[] = [];
  const bySource: Partial<Record<ProviderName, number>> = {};
  const reasons: Partial<Record<ProviderName, string>> = {};
  const failures: Array<{ provider: ProviderName; error: unknown }> = [];
  for (const provider of providers) {
    bySource[provider.name] = 0;
    if (left.length === 0) continue;
    const known = left.filter((asset) => asset.providerIds[provider.name] !== undefined);
    if (known.length === 0) continue;
    let answer: Awaited<ReturnType<MarketDataProvider['prices']>>;
    try {
      answer = await provider.prices(
        known.map((asset) => asset.providerIds[provider.name] as string),
        opts,
      );
    } catch (error) {
      opts.signal?.throwIfAborted();
      failures.push({ provider: provider.name, error });
      reasons[provider.name] = messageOf(error);
      continue;
    }
    const quotes = new Map(
      answer.items.filter((quote) => quote.priceUsd !== null).map((quote) => [quote.providerId, quote]),
    );
    const stillLeft: AssetToPrice[] = [];
    for (const asset of left) {
      const id = asset.providerIds[provider.name];
      const quote = id === undefined ? undefined : quotes.get(id);
      if (quote) priced.push({ assetId: asset.assetId, source: provider.name, quote });
      else stillLeft.push(asset);
    }
    bySource[provider.name] = left.length - stillLeft.length;
    const unanswered = known.length - (bySource[provider.name] ?? 0);
    if (unanswered > 0) reasons[provider.name] = `answered without ${unanswered} of ${known.length} asset(s)`;
    left = stillLeft;
  }
  if (priced.length === 0 && failures.length > 0) {
    if (failures.length === 1 && failures[0]) throw failures[0].error;
    throw new NoProviderPricedError(failures);
  }
  return { priced, unpriced: left, bySource, reasons };
}

/** An error's message as a fallback reason names it (anything thrown, not only an Error). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
