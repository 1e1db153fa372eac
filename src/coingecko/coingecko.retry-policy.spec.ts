import { describe, expect, it } from 'vitest';
import type { AttemptFailure } from './coingecko.errors.js';
import {
  backoffDelayMs,
  classifyAnswer,
  classifyNoAnswer,
  parseRetryAfter,
  retryDelayMs,
  type HttpAnswer,
} from './coingecko.retry-policy.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const RATE_LIMIT_BODY =
  '{"status":{"error_code":429,"error_message":"You\'ve exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits."}}';

function answer(status: number, text: string, headers: HttpAnswer['headers'] = {}): HttpAnswer {
  return { status, text, headers: { 'content-type': 'application/json', ...headers }, nowMs: NOW };
}

function failureOf(input: HttpAnswer): AttemptFailure {
  const verdict = classifyAnswer(input);
  if (verdict.ok) throw new Error('expected a failure');
  return verdict.failure;
}

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('119', NOW)).toBe(119_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
  });

  it('reads an HTTP date, never negative', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', NOW)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-5', NOW)).toBeUndefined();
  });
});

describe('backoff', () => {
  const options = { baseMs: 1000, maxMs: 60_000 };

  it('is full jitter: uniform below base · 2^(retry-1), capped at max', () => {
    const top = { ...options, random: () => 0.999999 };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((retry) => backoffDelayMs(retry, top))).toEqual([
      999, 1999, 3999, 7999, 15_999, 31_999, 59_999, 59_999,
    ]);
    expect(backoffDelayMs(4, { ...options, random: () => 0 })).toBe(0);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelayMs(3, options);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(4000);
    }
  });

  it('waits exactly what Retry-After asked for when the server said', () => {
    const failure: AttemptFailure = { kind: 'rate_limited', status: 429, detail: '', retryAfterMs: 119_000 };
    expect(retryDelayMs(1, failure, { ...options, random: () => 0 })).toBe(119_000);
    expect(
      retryDelayMs(1, { kind: 'server_error', status: 503, detail: '' }, { ...options, random: () => 0.5 }),
    ).toBe(500);
  });
});

describe('classifyAnswer', () => {
  it('passes a JSON 200 through, numbers keeping their text', () => {
    const verdict = classifyAnswer(answer(200, '[{"id":"x","current_price":1.2e-9}]'));
    expect(verdict.ok).toBe(true);
    expect(JSON.stringify(verdict.ok && verdict.body)).toBe('[{"id":"x","current_price":1.2e-9}]');
  });

  it.each<[string, HttpAnswer, Partial<AttemptFailure>]>([
    [
      '429 with seconds',
      answer(429, RATE_LIMIT_BODY, { 'retry-after': '119' }),
      { kind: 'rate_limited', status: 429, errorCode: 429, retryAfterMs: 119_000 },
    ],
    [
      '429 error object in a 200',
      answer(200, RATE_LIMIT_BODY),
      { kind: 'rate_limited', status: 429, errorCode: 429 },
    ],
    [
      'Cloudflare 1015 as plain text',
      answer(429, 'error code: 1015', { 'content-type': 'text/plain' }),
      { kind: 'rate_limited', status: 429, detail: 'error code: 1015' },
    ],
    [
      '503 JSON',
      answer(503, '{"status":503,"error":"Service Unavailable"}'),
      { kind: 'server_error', status: 503, detail: 'Service Unavailable' },
    ],
    ['500 empty', answer(500, ''), { kind: 'server_error', status: 500 }],
    ['408', answer(408, ''), { kind: 'server_error', status: 408 }],
    [
      'Cloudflare HTML 502',
      answer(
        502,
        '<!DOCTYPE html><html><head><title>api.coingecko.com | 502: Bad gateway</title></head><body>Error code 502</body></html>',
        { 'content-type': 'text/html' },
      ),
      { kind: 'cloudflare', status: 502, detail: 'api.coingecko.com | 502: Bad gateway, error code 502' },
    ],
    [
      'HTML in a 200',
      answer(200, '<html><head><title>Just a moment...</title></head></html>', {
        'content-type': 'text/html',
      }),
      { kind: 'cloudflare', status: 200 },
    ],
    [
      'plain text 1015 in a 503',
      answer(503, 'error code: 1015', { 'content-type': 'text/plain' }),
      { kind: 'cloudflare', status: 503 },
    ],
    [
      'truncated JSON in a 200',
      answer(200, '[{"id":"bitcoin","current_pri'),
      { kind: 'invalid_body', status: 200 },
    ],
    ['empty 200', answer(200, ''), { kind: 'invalid_body', status: 200, detail: 'empty body' }],
  ])('%s is transient', (_name, input, expected) => {
    expect(failureOf(input)).toMatchObject(expected);
  });

  it.each<[string, HttpAnswer, Partial<AttemptFailure>]>([
    [
      '401 10002 missing key',
      answer(401, '{"status":{"error_code":10002,"error_message":"API Key Missing"}}'),
      { kind: 'auth', status: 401, errorCode: 10002, detail: 'API Key Missing' },
    ],
    [
      '401 10010 pro key on the public host',
      answer(401, '{"status":{"error_code":10010,"error_message":"x"}}'),
      { kind: 'auth', errorCode: 10010 },
    ],
    [
      '401 10011 demo key on the pro host',
      answer(401, '{"status":{"error_code":10011,"error_message":"x"}}'),
      { kind: 'auth', errorCode: 10011 },
    ],
    [
      '10005 endpoint not in plan',
      answer(401, '{"status":{"error_code":10005,"error_message":"limited"}}'),
      { kind: 'plan', errorCode: 10005 },
    ],
    [
      'key error with the code outside status',
      answer(401, '{"error_code":10011,"status":{"error_message":"host"}}'),
      { kind: 'auth', errorCode: 10011, detail: 'host' },
    ],
    [
      'key error in a 200',
      answer(200, '{"status":{"error_code":10002,"error_message":"API Key Missing"}}'),
      { kind: 'auth', errorCode: 10002 },
    ],
    ['403 without a code', answer(403, '{"error":"Forbidden"}'), { kind: 'auth', status: 403 }],
    [
      'Cloudflare 1020 access denied',
      answer(403, 'error code: 1020', { 'content-type': 'text/plain' }),
      { kind: 'blocked', status: 403 },
    ],
    [
      "422 with CoinGecko's message",
      answer(422, '{"error":"Missing parameter vs_currency"}'),
      { kind: 'client_error', status: 422, detail: 'Missing parameter vs_currency' },
    ],
    [
      '404 unknown coin',
      answer(404, '{"error":"coin not found"}'),
      { kind: 'client_error', status: 404, detail: 'coin not found' },
    ],
    [
      '404 HTML from a wrong base URL',
      answer(404, '<html><title>Not Found</title></html>', { 'content-type': 'text/html' }),
      { kind: 'client_error', status: 404, detail: 'Not Found (check COINGECKO_BASE_URL)' },
    ],
    [
      'redirect',
      answer(301, '', { location: 'https://elsewhere.example/api/v3/ping' }),
      { kind: 'redirect', detail: 'https://elsewhere.example/api/v3/ping' },
    ],
  ])('%s is final', (_name, input, expected) => {
    expect(failureOf(input)).toMatchObject(expected);
  });
});

describe('classifyNoAnswer', () => {
  it('tells a timeout from a network error', () => {
    expect(classifyNoAnswer({ code: 'ERR_CANCELED', message: 'canceled' }, true)).toEqual({
      kind: 'timeout',
      detail: 'no answer in time',
    });
    expect(classifyNoAnswer({ code: 'ECONNRESET', message: 'socket hang up' }, false)).toEqual({
      kind: 'network',
      detail: 'ECONNRESET',
    });
  });
});
