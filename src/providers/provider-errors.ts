import { PROVIDER_LABELS, type ProviderName } from './provider-name.js';

/**
 * A history range the provider's plan cannot serve: thrown before any call is made (nothing sent, nothing
 * counted). Callers check `capabilities()` first; this is the guard when one does not. Not retried, and not
 * an upstream failure: the upstream was never asked.
 */
export class HistoryRangeUnavailableError extends Error {
  override readonly name = 'HistoryRangeUnavailableError';
  readonly retryable = false as const;

  constructor(
    readonly provider: ProviderName,
    readonly plan: string,
    detail: string,
  ) {
    super(`${PROVIDER_LABELS[provider]} cannot serve ${detail} on the "${plan}" plan; it was not asked`);
  }
}
