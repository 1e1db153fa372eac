import type { CoinGeckoPlan } from '../config/app-config.js';
import { redactSecrets } from './coingecko.error-body.js';
import type { CoinGeckoEndpoint } from './coingecko.types.js';

/**
 * Why one attempt failed:
 * - transient (retried by the client): `rate_limited` (429), `server_error` (5xx, 408), `cloudflare`
 *   (an HTML or plain-text page from the CDN instead of JSON), `invalid_body` (truncated or broken JSON),
 *   `timeout`, `network` (connection reset, refused, DNS);
 * - final (fail at once): `auth` (401/403, error codes 10002/10010/10011), `plan` (10005),
 *   `blocked` (Cloudflare 1020), `client_error` (other 4xx, e.g. 404 unknown coin, 422 bad parameter),
 *   `redirect`, `invalid_response` (valid JSON of the wrong shape).
 */
export type CoinGeckoFailureKind =
  | 'rate_limited'
  | 'server_error'
  | 'cloudflare'
  | 'invalid_body'
  | 'timeout'
  | 'network'
  | 'auth'
  | 'plan'
  | 'blocked'
  | 'client_error'
  | 'redirect'
  | 'invalid_response';

const TRANSIENT_KINDS: ReadonlySet<CoinGeckoFailureKind> = new Set([
  'rate_limited',
  'server_error',
  'cloudflare',
  'invalid_body',
  'timeout',
  'network',
]);

export function isTransientKind(kind: CoinGeckoFailureKind): boolean {
  return TRANSIENT_KINDS.has(kind);
}

/** What went wrong in one attempt; becomes a CoinGeckoError when it is the last one. */
export interface AttemptFailure {
  kind: CoinGeckoFailureKind;
  /** HTTP status of the answer (absent for network errors and timeouts). */
  status?: number;
  /** CoinGecko's `error_code` from the body (10002, 10005, 10010, 10011, 429, …). */
  errorCode?: number;
  /** Milliseconds the server asked to wait (`Retry-After`), when it said. */
  retryAfterMs?: number;
  /** Short human description: CoinGecko's own message, a page title, a network error code. */
  detail: string;
}

export interface CoinGeckoErrorOptions extends AttemptFailure {
  endpoint: CoinGeckoEndpoint;
  /** The request path without query string (e.g. `/coins/markets`, `/coins/usd-coin`). */
  path: string;
  attempts: number;
  message: string;
}

/**
 * A CoinGecko call that failed for good. The client already retried what was worth retrying, so the
 * job runner must not run the job again for it (`retryable = false`); the API reports a run that failed
 * with it as an upstream failure (`upstream = true`, HTTP 502). The message says what happened, where,
 * after how many attempts and, for configuration problems, what to change.
 */
export class CoinGeckoError extends Error {
  override readonly name = 'CoinGeckoError';
  readonly retryable = false as const;
  readonly upstream = true as const;
  readonly kind: CoinGeckoFailureKind;
  readonly endpoint: CoinGeckoEndpoint;
  readonly path: string;
  readonly status: number | undefined;
  readonly errorCode: number | undefined;
  readonly attempts: number;

  constructor(options: CoinGeckoErrorOptions) {
    super(options.message);
    this.kind = options.kind;
    this.endpoint = options.endpoint;
    this.path = options.path;
    this.status = options.status;
    this.errorCode = options.errorCode;
    this.attempts = options.attempts;
  }
}

export interface DescribeContext {
  path: string;
  attempts: number;
  plan: CoinGeckoPlan;
  baseUrl: string;
  timeoutMs: number;
  /** Values never to appear in a message (the configured API key), whatever the upstream echoed. */
  secrets?: readonly (string | undefined)[];
}

function attemptsText(attempts: number): string {
  return `after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
}

/**
 * The operator-facing message for a failure (see docs/coingecko.md for the same table). It carries CoinGecko's
 * own `error_code` and `error_message` whatever the body's shape, and never a key.
 */
export function coinGeckoFailureMessage(failure: AttemptFailure, context: DescribeContext): string {
  return redactSecrets(describe(failure, context), context.secrets);
}

function describe(failure: AttemptFailure, context: DescribeContext): string {
  const { path, plan } = context;
  const after = attemptsText(context.attempts);
  const status = failure.status;
  const code = failure.errorCode;
  // The kinds whose wording does not already name the code get it in front of CoinGecko's message.
  const upstream = code === undefined || code === status ? failure.detail : `${code} ${failure.detail}`;
  switch (failure.kind) {
    case 'rate_limited':
      return `CoinGecko rate limit (429) on ${path} ${after}; lower COINGECKO_RATE_LIMIT_PER_MINUTE or use a plan with a higher limit`;
    case 'server_error':
      return `CoinGecko server error (${status}) on ${path} ${after}: ${upstream}`;
    case 'cloudflare':
      return `CoinGecko answered with a Cloudflare page instead of JSON (${status}: ${failure.detail}) on ${path} ${after}`;
    case 'invalid_body':
      return `CoinGecko sent a truncated or invalid JSON body (${status}) on ${path} ${after}: ${failure.detail}`;
    case 'timeout':
      return `CoinGecko did not answer ${path} within ${context.timeoutMs} ms (COINGECKO_TIMEOUT_MS) ${after}`;
    case 'network':
      return `Could not reach CoinGecko at ${context.baseUrl} for ${path} (${failure.detail}) ${after}`;
    case 'plan':
      return `CoinGecko refused ${path} (${status}, error_code ${code}: endpoint not included in the "${plan}" plan): use a plan that includes it or turn off the job that needs it — ${failure.detail}`;
    case 'auth':
      return `CoinGecko refused the request on ${path} (${status}${code === undefined ? '' : `, error_code ${code}`}): ${authAdvice(code, plan)} — ${failure.detail}`;
    case 'blocked':
      return `CoinGecko's CDN (Cloudflare) blocked this client on ${path} (${status}: ${failure.detail}); check the outgoing IP address, proxy or VPN`;
    case 'redirect':
      return `CoinGecko redirected ${path} (${status}) to ${failure.detail}; check COINGECKO_BASE_URL (redirects are not followed so the API key never leaves the configured host)`;
    case 'client_error':
      return `CoinGecko rejected ${path} (${status}): ${upstream}`;
    case 'invalid_response':
      return `CoinGecko sent an unusable response on ${path}: ${failure.detail}`;
  }
}

function authAdvice(code: number | undefined, plan: CoinGeckoPlan): string {
  switch (code) {
    case 10002:
      return plan === 'public'
        ? 'an API key is required — set COINGECKO_API_KEY (a free Demo key works; see https://www.coingecko.com/en/api/pricing)'
        : `the ${plan} API key was missing or not accepted — check COINGECKO_API_KEY in the CoinGecko developer dashboard`;
    case 10010:
      return 'COINGECKO_API_KEY is a Pro key but requests go to the public/demo host — set COINGECKO_API_PLAN=pro (and leave COINGECKO_BASE_URL unset)';
    case 10011:
      return 'COINGECKO_API_KEY is a Demo key but requests go to the Pro host — set COINGECKO_API_PLAN=demo (and leave COINGECKO_BASE_URL unset)';
    default:
      return 'check COINGECKO_API_KEY and COINGECKO_API_PLAN';
  }
}

/**
 * The month's `COINGECKO_MONTHLY_CALL_BUDGET` is spent: the request was not sent. Like every CoinGecko
 * failure it is upstream (502 on the trigger, alertable) and not retried: nothing changes before the reset.
 */
export class CoinGeckoBudgetError extends Error {
  override readonly name = 'CoinGeckoBudgetError';
  readonly retryable = false as const;
  readonly upstream = true as const;

  constructor(
    readonly budget: number,
    readonly resetsAt: Date,
  ) {
    super(
      `CoinGecko monthly call budget of ${budget} calls is used up (resets at ${resetsAt.toISOString().replace('.000Z', 'Z')})`,
    );
  }
}
