import { redactSecrets } from '../../coingecko/coingecko.error-body.js';
import type { AttemptFailure, CoinGeckoFailureKind } from '../../coingecko/coingecko.errors.js';
import type { CoinPaprikaPlan } from '../../config/app-config.js';
import type { CoinPaprikaEndpoint } from './coinpaprika.types.js';

/** The same kinds as CoinGecko's (coingecko.errors.ts): one retry policy classifies both. */
export type CoinPaprikaFailureKind = CoinGeckoFailureKind;

export interface CoinPaprikaErrorOptions extends AttemptFailure {
  endpoint: CoinPaprikaEndpoint;
  path: string;
  attempts: number;
  message: string;
}

/**
 * A CoinPaprika call that failed for good, after the client's own retries. Like CoinGeckoError it is not
 * retried by the job runner (`retryable = false`) and a run that fails with it is an upstream failure
 * (`upstream = true`: 502 on the trigger). The message names CoinPaprika and never carries the key.
 */
export class CoinPaprikaError extends Error {
  override readonly name = 'CoinPaprikaError';
  readonly provider = 'coinpaprika' as const;
  readonly retryable = false as const;
  readonly upstream = true as const;
  readonly kind: CoinPaprikaFailureKind;
  readonly endpoint: CoinPaprikaEndpoint;
  readonly path: string;
  readonly status: number | undefined;
  readonly attempts: number;

  constructor(options: CoinPaprikaErrorOptions) {
    super(options.message);
    this.kind = options.kind;
    this.endpoint = options.endpoint;
    this.path = options.path;
    this.status = options.status;
    this.attempts = options.attempts;
  }
}

/** `coinpaprika.monthlyCallBudget` is spent: nothing was sent. Upstream (502), not retried before the reset. */
export class CoinPaprikaBudgetError extends Error {
  override readonly name = 'CoinPaprikaBudgetError';
  readonly provider = 'coinpaprika' as const;
  readonly retryable = false as const;
  readonly upstream = true as const;

  constructor(
    readonly budget: number,
    readonly resetsAt: Date,
  ) {
    super(
      `CoinPaprika monthly call budget of ${budget} calls is used up (COINPAPRIKA_MONTHLY_CALL_BUDGET; resets at ${resetsAt.toISOString().replace('.000Z', 'Z')})`,
    );
  }
}

export interface CoinPaprikaDescribeContext {
  path: string;
  attempts: number;
  plan: CoinPaprikaPlan;
  baseUrl: string;
  timeoutMs: number;
  /** The configured key: removed from the message whatever the upstream echoed. */
  secrets: readonly (string | undefined)[];
}

/** The operator-facing message of a final failure; names CoinPaprika, never the key. */
export function coinPaprikaFailureMessage(
  failure: AttemptFailure,
  context: CoinPaprikaDescribeContext,
): string {
  return redactSecrets(describe(failure, context), context.secrets);
}

function describe(failure: AttemptFailure, context: CoinPaprikaDescribeContext): string {
  const { path, plan } = context;
  const after = `after ${context.attempts} attempt${context.attempts === 1 ? '' : 's'}`;
  const status = failure.status;
  // The CoinGecko classifier suggests its own variable for a 404 page; here it is ours.
  const detail = failure.detail.replace('COINGECKO_BASE_URL', 'COINPAPRIKA_BASE_URL');
  switch (failure.kind) {
    case 'rate_limited':
      return `CoinPaprika rate limit (429) on ${path} ${after}; lower COINPAPRIKA_RATE_LIMIT_PER_MINUTE or use a plan with a higher limit`;
    case 'server_error':
      return `CoinPaprika server error (${status}) on ${path} ${after}: ${detail}`;
    case 'cloudflare':
      return `CoinPaprika answered with an HTML page instead of JSON (${status}: ${detail}) on ${path} ${after}`;
    case 'invalid_body':
      return `CoinPaprika sent a truncated or invalid JSON body (${status}) on ${path} ${after}: ${detail}`;
    case 'timeout':
      return `CoinPaprika did not answer ${path} within ${context.timeoutMs} ms (COINPAPRIKA_TIMEOUT_MS) ${after}`;
    case 'network':
      return `Could not reach CoinPaprika at ${context.baseUrl} for ${path} (${detail}) ${after}`;
    case 'auth':
    case 'plan':
      return `CoinPaprika refused ${path} (${status}) on the "${plan}" plan: check COINPAPRIKA_API_KEY and COINPAPRIKA_API_PLAN — ${detail}`;
    case 'blocked':
      return `CoinPaprika's CDN blocked this client on ${path} (${status}: ${detail}); check the outgoing IP address, proxy or VPN`;
    case 'redirect':
      return `CoinPaprika redirected ${path} (${status}) to ${detail}; check COINPAPRIKA_BASE_URL (redirects are not followed so the key never leaves the configured host)`;
    case 'client_error':
      return `CoinPaprika rejected ${path} (${status}): ${detail}`;
    case 'invalid_response':
      return `CoinPaprika sent an unusable response on ${path}: ${detail}`;
  }
}
