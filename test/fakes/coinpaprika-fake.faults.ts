/**
 * What goes wrong with the fake CoinPaprika on request: the same kinds of fault as the fake CoinGecko's
 * (`faults` in coingecko-fake.ts), with CoinPaprika's bodies as the fake assumes them (coinpaprika-fake.ts).
 */
import http from 'node:http';

export type PaprikaFault =
  | { kind: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  | { kind: 'rate-limited'; retryAfter?: string }
  | { kind: 'html'; status: number }
  | { kind: 'truncated' }
  | { kind: 'plan-refusal' }
  | { kind: 'reset' }
  | { kind: 'hang' };

/** Assumption: CoinPaprika's error bodies are `{"error": "<text>"}` (its documented 404 shape). */
export const RATE_LIMIT_BODY = JSON.stringify({ error: 'Too many requests' });
export const PLAN_REFUSAL_BODY = JSON.stringify({
  error:
    'This endpoint is not available in your current plan. Upgrade your plan: https://coinpaprika.com/api/pricing/',
});

/** Ready-made faults for `failNext` and `setFailRate`. */
export const paprikaFaults = {
  /** A 5xx with a JSON body (`{"error":"Service Unavailable"}`). */
  serverError: (status = 500): PaprikaFault => ({
    kind: 'status',
    status,
    body: JSON.stringify({ error: http.STATUS_CODES[status] ?? 'Error' }),
  }),
  /** Any status and body (an object is sent as JSON, a string as it is). */
  status: (status: number, body?: unknown, headers?: Record<string, string>): PaprikaFault => ({
    kind: 'status',
    status,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    ...(headers ? { headers } : {}),
  }),
  /** 429 `{"error":"Too many requests"}`; `retryAfter` (seconds or an HTTP date) becomes `Retry-After`. */
  rateLimited: (retryAfter?: string): PaprikaFault => ({
    kind: 'rate-limited',
    ...(retryAfter === undefined ? {} : { retryAfter }),
  }),
  /** A Cloudflare-style HTML error page (502, 520, 522, …) instead of JSON. */
  htmlError: (status = 502): PaprikaFault => ({ kind: 'html', status }),
  /** The normal answer cut in half: a 200 with a correctly framed but truncated JSON body. */
  truncatedJson: (): PaprikaFault => ({ kind: 'truncated' }),
  /** 402 `{"error":"…not available in your current plan…"}` (e.g. history refused on the free plan). */
  planRefusal: (): PaprikaFault => ({ kind: 'plan-refusal' }),
  /** The connection is closed without an answer. */
  connectionReset: (): PaprikaFault => ({ kind: 'reset' }),
  /** No answer until the client gives up (timeouts). */
  hang: (): PaprikaFault => ({ kind: 'hang' }),
};

/** Shaped like Cloudflare's 5xx pages, for CoinPaprika's host. */
export function cloudflarePage(status: number): string {
  const reason = http.STATUS_CODES[status] ?? 'Error';
  return `<!DOCTYPE html>
<html lang="en-US">
<head><title>api.coinpaprika.com | ${status}: ${reason}</title></head>
<body>
<div id="cf-wrapper"><h1><span class="inline-block">${reason}</span>
<span class="code-label">Error code ${status}</span></h1>
<p>Visit <a href="https://www.cloudflare.com/5xx-error-landing">cloudflare.com</a> for more information.</p>
<span class="cf-footer-item">Cloudflare Ray ID: <strong>8f2b1c3d4e5f6a7c</strong></span></div>
</body>
</html>
`;
}

/** A deterministic stream of numbers in [0, 1) (mulberry32), so a fail rate fails the same requests every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
