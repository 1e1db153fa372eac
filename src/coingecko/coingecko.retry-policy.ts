import type { AttemptFailure, CoinGeckoFailureKind } from './coingecko.errors.js';
import { clipUpstream as clip, errorInfoOf } from './coingecko.error-body.js';
import { parseJsonKeepingNumbers } from './coingecko.json.js';

/*
 * Which answers are failures, which failures are worth another attempt, and how long to wait first.
 * Pure functions: the transport (coingecko.transport.ts) feeds them what axios saw.
 */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

/**
 * "Full jitter" exponential backoff (AWS architecture blog, 2015): a uniform wait in
 * [0, min(max, base · 2^(retry-1))). Spreading retries over the whole interval keeps several jobs that
 * failed together from retrying together.
 */
export function backoffDelayMs(retry: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/**
 * The wait before retry number `retry` (1-based): what the server asked for in `Retry-After`, never
 * less (waiting less only buys another 429), otherwise the jittered backoff.
 */
export function retryDelayMs(retry: number, failure: AttemptFailure, options: BackoffOptions): number {
  if (failure.retryAfterMs !== undefined) return failure.retryAfterMs;
  return backoffDelayMs(retry, options);
}

/** `Retry-After` in milliseconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  // An HTTP date always names its day or month; without letters, Date.parse reads "-5" as a year.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

export interface HttpAnswer {
  status: number;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The body decoded as UTF-8. */
  text: string;
  nowMs: number;
}

export type Verdict = { ok: true; body: unknown } | { ok: false; failure: AttemptFailure };

const AUTH_CODES = new Set([10002, 10010, 10011]);

function kindOf(status: number, code: number | undefined): CoinGeckoFailureKind {
  if (code === 10005) return 'plan';
  if (code !== undefined && AUTH_CODES.has(code)) return 'auth';
  // A request past a limit of the plan (a history range over 365 days, too many ids), sent with 401: not a key problem.
  if (code === 10012) return 'client_error';
  if (status === 429 || code === 429) return 'rate_limited';
  if (
    status >= 500 ||
    status === 408 ||
    (code !== undefined && (code >= 500 || code === 408) && code < 600)
  ) {
    return 'server_error';
  }
  if (status === 401 || status === 403) return 'auth';
  return 'client_error';
}

/** A page from the CDN rather than the API: HTML, or Cloudflare's plain `error code: 1015`. */
function describePage(text: string, contentType: string): { code?: number; detail: string } | undefined {
  const trimmed = text.trimStart();
  const plain = /^error code:\s*(\d+)/i.exec(trimmed);
  if (plain) return { code: Number(plain[1]), detail: `error code: ${plain[1]}` };
  const html = contentType.includes('html') || trimmed.startsWith('<');
  if (!html) return undefined;
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
  const code = /error(?:\s|&nbsp;)+code:?\s*(?:<[^>]*>\s*)*(\d{3,4})/i.exec(text)?.[1];
  const detail = [title ? clip(title) : 'an HTML page', code ? `error code ${code}` : undefined]
    .filter(Boolean)
    .join(', ');
  return code === undefined ? { detail } : { code: Number(code), detail };
}

/**
 * Decides what one HTTP answer means. Every answer comes here (the transport accepts every status),
 * so a 200 that carries an error object, HTML or a cut-off body is caught as surely as a 503.
 */
export function classifyAnswer(answer: HttpAnswer): Verdict {
  const { status, text } = answer;
  const retryAfterMs = parseRetryAfter(answer.headers['retry-after'], answer.nowMs);
  const fail = (
    kind: CoinGeckoFailureKind,
    detail: string,
    extra: Partial<AttemptFailure> = {},
  ): Verdict => ({
    ok: false,
    failure: {
      kind,
      status,
      detail,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...extra,
    },
  });

  if (status >= 300 && status < 400)
    return fail('redirect', answer.headers.location ?? 'an unnamed location');

  let body: unknown;
  let parseError: string | undefined;
  if (text.trim() === '') parseError = 'empty body';
  else {
    try {
      body = parseJsonKeepingNumbers(text);
    } catch (error) {
      parseError = error instanceof Error ? error.message : String(error);
    }
  }

  if (parseError !== undefined) {
    const success = status >= 200 && status < 300;
    const page = describePage(text, answer.headers['content-type'] ?? '');
    if (page?.code === 1020) return fail('blocked', page.detail);
    if (status === 429) return fail('rate_limited', page?.detail ?? clip(text));
    if (page && (success || status >= 500 || status === 408 || status === 403)) {
      return fail('cloudflare', page.detail);
    }
    if (success) return fail('invalid_body', parseError);
    if (status >= 500 || status === 408) return fail('server_error', clip(text) || parseError);
    const detail = page?.detail ?? (clip(text) || parseError);
    if (status === 401 || status === 403) return fail('auth', detail);
    return fail('client_error', status === 404 ? `${detail} (check COINGECKO_BASE_URL)` : detail);
  }

  const info = errorInfoOf(body);
  const success = status >= 200 && status < 300;
  if (success && info === undefined) return { ok: true, body };

  const code = info?.code;
  const kind = kindOf(status, code);
  // A 200 that carries an error object is reported with the code it carries ("429", not "200").
  const effectiveStatus = success && code !== undefined && code >= 100 && code < 600 ? code : status;
  const message = info?.message ?? `HTTP ${status}`;
  const detail = success ? `${message} (sent with HTTP ${status})` : message;
  return fail(kind, detail, {
    status: effectiveStatus,
    ...(code === undefined ? {} : { errorCode: code }),
  });
}

/** An attempt that got no HTTP answer at all. */
export function classifyNoAnswer(
  error: { code?: string; message: string },
  timedOut: boolean,
): AttemptFailure {
  if (timedOut) return { kind: 'timeout', detail: 'no answer in time' };
  return { kind: 'network', detail: error.code ?? clip(error.message) };
}
