import type { AlertPayload } from './alert.types.js';

export const ALERT_ATTEMPTS = 3;
/** Backoff before the second attempt; it doubles before the third. */
export const ALERT_BACKOFF_MS = 1000;

export interface WebhookOptions {
  url: string;
  timeoutMs: number;
  attempts?: number;
  backoffMs?: number;
  /** Aborts waiting and in-flight requests (shutdown). */
  signal?: AbortSignal;
  /** Hears each failed attempt (1-based) with its URL-free reason. */
  onAttemptFailed?: (attempt: number, reason: string) => void;
}

export interface WebhookOutcome {
  delivered: boolean;
  attempts: number;
  /** Why the last attempt failed, in words that never contain the webhook URL. */
  error: string | null;
}

interface AttemptResult {
  ok: boolean;
  retryable: boolean;
  reason: string | null;
}

/**
 * POSTs an alert: up to `attempts` tries, each bounded by `timeoutMs`, with exponential backoff between
 * tries that timed out, could not connect or got a 5xx (or 429). A 4xx other than 429 will not get better by
 * trying again. Never throws.
 *
 * The URL is a secret (Slack puts the credential in the path): reasons are built here from the status
 * code or the network error's code, never from an error message a library might have put the URL in.
 */
export async function sendWebhook(payload: AlertPayload, options: WebhookOptions): Promise<WebhookOutcome> {
  const attempts = options.attempts ?? ALERT_ATTEMPTS;
  const backoffMs = options.backoffMs ?? ALERT_BACKOFF_MS;
  const body = JSON.stringify(payload);
  let last: AttemptResult = { ok: false, retryable: false, reason: 'not attempted' };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (options.signal?.aborted) return { delivered: false, attempts: attempt - 1, error: 'shutting down' };
    last = await attemptOnce(options.url, body, options.timeoutMs, options.signal);
    if (last.ok) return { delivered: true, attempts: attempt, error: null };
    options.onAttemptFailed?.(attempt, last.reason ?? 'failed');
    if (!last.retryable || attempt === attempts)
      return { delivered: false, attempts: attempt, error: last.reason };
    if (!(await pause(backoffMs * 2 ** (attempt - 1), options.signal))) {
      return { delivered: false, attempts: attempt, error: last.reason };
    }
  }
  return { delivered: false, attempts, error: last.reason };
}

async function attemptOnce(
  url: string,
  body: string,
  timeoutMs: number,
  shutdown: AbortSignal | undefined,
): Promise<AttemptResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = shutdown ? AbortSignal.any([timeout, shutdown]) : timeout;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'crypto-pocket-butler-alerts' },
      body,
      signal,
      redirect: 'error',
    });
    // The body is not needed, but it must be consumed for the connection to be reused or closed.
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return { ok: true, retryable: false, reason: null };
    const retryable = response.status >= 500 || response.status === 429;
    return { ok: false, retryable, reason: `the receiver answered HTTP ${response.status}` };
  } catch (error) {
    if (timeout.aborted) return { ok: false, retryable: true, reason: `timed out after ${timeoutMs} ms` };
    if (shutdown?.aborted) return { ok: false, retryable: false, reason: 'shutting down' };
    return { ok: false, retryable: true, reason: `request failed: ${networkCode(error)}` };
  }
}

/** The network error's code (`ECONNREFUSED`, `ENOTFOUND`, …) — the one part of it sure to hold no URL. */
function networkCode(error: unknown): string {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return 'network error';
}

/** Waits `ms`; false when the signal aborted first. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
