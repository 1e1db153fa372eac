import { PROVIDER_LABELS, type ProviderName } from '../../providers/provider-name.js';

/**
 * CoinGecko failed the top-coins run and so did every fallback provider (or none could rank a known asset):
 * nothing was written. Upstream, so a trigger answers 502; not retried by the runner, like the price
 * fallback's NoProviderPricedError.
 */
export class NoProviderRankedError extends Error {
  override readonly name = 'NoProviderRankedError';
  readonly upstream = true as const;
  readonly retryable = false as const;

  constructor(readonly failures: ReadonlyArray<{ provider: ProviderName; reason: string }>) {
    super(
      `No provider could rank the top coins: ${failures
        .map(({ provider, reason }) => `${PROVIDER_LABELS[provider]}: ${reason}`)
        .join('; ')}`,
    );
  }
}
