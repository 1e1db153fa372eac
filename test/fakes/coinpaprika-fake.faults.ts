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

/**
 * The fault switches of one fake: scripted faults per endpoint (or `'all'`), a seeded fail rate and a
 * sliding-window rate limit, and the answers they write.
 */
export class FaultSwitches<E extends string> {
  private readonly scripted = new Map<E | 'all', PaprikaFault[]>();
  private failRate:
    { rate: number; fault: PaprikaFault; endpoint: E | 'all'; random: () => number } | undefined;
  private rateLimit: { limit: number; windowMs: number } | undefined;
  private rateWindow: number[] = [];
  private readonly hanging = new Set<http.ServerResponse>();

  failNext(endpoint: E | 'all', times: number, fault: PaprikaFault): void {
    const queue = this.scripted.get(endpoint) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.scripted.set(endpoint, queue);
  }

  setFailRate(
    rate: number | null,
    options: { fault?: PaprikaFault; endpoint?: E | 'all'; seed?: number },
  ): void {
    this.failRate =
      rate === null
        ? undefined
        : {
            rate,
            fault: options.fault ?? paprikaFaults.serverError(503),
            endpoint: options.endpoint ?? 'all',
            random: seededRandom(options.seed ?? 1),
          };
  }

  setRateLimit(limit: number | null, windowMs: number): void {
    this.rateLimit = limit === null ? undefined : { limit, windowMs };
    this.rateWindow = [];
  }

  /** The fault this request gets: the endpoint's script first, then the script for all, then the fail rate. */
  next(endpoint: E): PaprikaFault | undefined {
    const scripted = this.scripted.get(endpoint)?.shift() ?? this.scripted.get('all')?.shift();
    if (scripted) return scripted;
    const failRate = this.failRate;
    if (!failRate || (failRate.endpoint !== 'all' && failRate.endpoint !== endpoint)) return undefined;
    return failRate.random() < failRate.rate ? failRate.fault : undefined;
  }

  /** Answers with the fault; `answer` is the normal body's text (for truncation). */
  apply(fault: PaprikaFault, res: http.ServerResponse, answer: () => string): void {
    switch (fault.kind) {
      case 'status':
        res.writeHead(fault.status, {
          'content-type': fault.contentType ?? 'application/json',
          ...fault.headers,
        });
        res.end(fault.body ?? '');
        return;
      case 'rate-limited':
        res.writeHead(429, {
          'content-type': 'application/json',
          ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }),
        });
        res.end(RATE_LIMIT_BODY);
        return;
      case 'html':
        res.writeHead(fault.status, { 'content-type': 'text/html; charset=UTF-8', server: 'cloudflare' });
        res.end(cloudflarePage(fault.status));
        return;
      case 'truncated': {
        const text = answer();
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
        return;
      }
      case 'plan-refusal':
        res.writeHead(402, { 'content-type': 'application/json' });
        res.end(PLAN_REFUSAL_BODY);
        return;
      case 'reset':
        res.socket?.destroy();
        return;
      case 'hang':
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
    }
  }

  /** Answers 429 with `Retry-After` (seconds until the window frees a place) when over the limit. */
  refuseRate(res: http.ServerResponse): boolean {
    if (!this.rateLimit) return false;
    const now = Date.now();
    const { limit, windowMs } = this.rateLimit;
    this.rateWindow = this.rateWindow.filter((at) => at > now - windowMs);
    if (this.rateWindow.length < limit) {
      this.rateWindow.push(now);
      return false;
    }
    const freeInMs = this.rateWindow[0] + windowMs - now;
    res.writeHead(429, {
      'content-type': 'application/json',
      'retry-after': String(Math.max(1, Math.ceil(freeInMs / 1000))),
    });
    res.end(RATE_LIMIT_BODY);
    return true;
  }

  /** Clears scripts, the fail rate and the limit. */
  clear(): void {
    this.scripted.clear();
    this.failRate = undefined;
    this.setRateLimit(null, 0);
  }

  /** Ends the answers held by `hang` (on close). */
  destroyHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }
}
