import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clipUpstream, MAX_UPSTREAM_MESSAGE, parseErrorBody, redactSecrets } from './coingecko.error-body.js';
import { coinGeckoFailureMessage, type DescribeContext } from './coingecko.errors.js';
import { classifyAnswer } from './coingecko.retry-policy.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/coingecko/errors/${name}`, import.meta.url), 'utf8');
const TIME_RANGE = fixture('error_401_time-range_10012_2024-04-20.json');
const RANGE_MESSAGE =
  'Your request exceeds the allowed time range. Public API users are limited to querying historical data within ' +
  'the past 365 days. Upgrade to a paid plan to enjoy full historical data access: https://www.coingecko.com/en/api/pricing.';
const KEY = 'CG-q8RkVf3mYz2LpW7cTn4XbJ1a';
const PATH = '/coins/bitcoin/market_chart/range';
const CONTEXT: DescribeContext = {
  path: PATH,
  attempts: 1,
  plan: 'demo',
  baseUrl: 'https://api.coingecko.com/api/v3',
  timeoutMs: 10_000,
  secrets: [KEY],
};

/** The message a final answer ends up as, the way the transport builds it. */
function messageFor(status: number, text: string, context = CONTEXT): string {
  const verdict = classifyAnswer({ status, text, headers: { 'content-type': 'application/json' }, nowMs: 0 });
  if (verdict.ok) throw new Error('expected a failure');
  return coinGeckoFailureMessage(verdict.failure, context);
}

describe('parseErrorBody', () => {
  it.each<[string, string, { code?: number; message?: string }]>([
    ['the recorded 365-day refusal, nested under error', TIME_RANGE, { code: 10012, message: RANGE_MESSAGE }],
    [
      'status object',
      '{"status":{"error_code":429,"error_message":"You\'ve exceeded the Rate Limit."}}',
      { code: 429, message: "You've exceeded the Rate Limit." },
    ],
    [
      'plain error string',
      fixture('error_422_coins-markets_missing-vs_currency_2021-07-19.json'),
      {
        message: 'Missing parameter vs_currency',
      },
    ],
    [
      'numeric status with an error string',
      fixture('error_500_coins-ohlc_no-params_2021-07-19.json'),
      {
        message: 'Internal Server Error',
      },
    ],
    [
      'flat code and message',
      '{"error_code":10005,"error_message":"limited"}',
      { code: 10005, message: 'limited' },
    ],
    [
      'code and message at different levels',
      '{"error_code":10011,"status":{"error_message":"host"}}',
      {
        code: 10011,
        message: 'host',
      },
    ],
    [
      'flat object under error',
      '{"error":{"error_code":10002,"error_message":"API Key Missing"}}',
      {
        code: 10002,
        message: 'API Key Missing',
      },
    ],
    ['a code alone', '{"status":{"error_code":10012}}', { code: 10012 }],
    ['multi-line message on one line', '{"error":"coin\\n  not\\tfound"}', { message: 'coin not found' }],
  ])('reads %s', (_name, text, expected) => {
    expect(parseErrorBody(text)).toEqual(expected);
  });

  it.each([
    ['not JSON', '<html><title>502</title></html>'],
    ['cut-off JSON', '{"error":{"status":{"error_code":100'],
    ['a normal answer', '{"prices":[[1,2]],"market_caps":[],"total_volumes":[]}'],
    ['an array', '[{"error":"x"}]'],
    ['a string', '"error"'],
    ['null', 'null'],
    ['empty values', '{"error":"","status":{"error_code":"10012","error_message":42}}'],
    ['negative or fractional codes', '{"error_code":-1,"status":{"error_code":1.5}}'],
    ['nesting deeper than any real body', '{"error":{"error":{"error":{"error":"deep"}}}}'],
  ])('finds nothing in %s', (_name, text) => {
    expect(parseErrorBody(text)).toBeUndefined();
  });

  it('cuts a huge message to one bounded line', () => {
    const info = parseErrorBody(JSON.stringify({ error: `${'x'.repeat(10_000)} tail` }));
    expect(info?.message).toHaveLength(MAX_UPSTREAM_MESSAGE + 1);
    expect(info?.message?.endsWith('x…')).toBe(true);
    expect(messageFor(422, JSON.stringify({ error: 'y'.repeat(100_000) })).length).toBeLessThan(400);
  });

  it('never echoes a key the body carries, in a URL, a header dump or bare', () => {
    const bodies = [
      `{"error":"Invalid key ${KEY}"}`,
      `{"status":{"error_code":10002,"error_message":"see https://api.coingecko.com/api/v3/ping?x_cg_demo_api_key=${KEY}&a=1"}}`,
      `{"error":{"status":{"error_code":10012,"error_message":"x-cg-pro-api-key: ${KEY}"}}}`,
      `{"error":"https://proxy.example/?apikey=${KEY.slice(3)}"}`,
    ];
    for (const body of bodies) {
      const info = parseErrorBody(body);
      expect(info?.message).toContain('[redacted]');
      expect(info?.message).not.toContain(KEY.slice(3));
      expect(messageFor(401, body)).not.toContain(KEY.slice(3));
    }
  });
});

describe('clipUpstream', () => {
  it('never cuts through a word, so a configured key straddling the cut goes whole', () => {
    const key = 'plain-configured-key-0123456789';
    const text = `${'word '.repeat(59)}${key} and more`;
    const clipped = clipUpstream(text);
    expect(clipped.length).toBeLessThanOrEqual(MAX_UPSTREAM_MESSAGE + 1);
    expect(clipped).not.toContain(key.slice(0, 4));
    expect(redactSecrets(`CoinGecko said: ${clipped}`, [key])).not.toContain('plain');
  });

  it('removes a key-like query parameter at the very start', () => {
    expect(clipUpstream('api_key=abc123456 was refused')).toBe('api_key=[redacted] was refused');
  });
});

describe('redactSecrets', () => {
  it('removes the configured key in any form, even without a key shape', () => {
    const key = 'plain-secret-value';
    expect(redactSecrets(`a ${key} b ${encodeURIComponent('k/+=y')}`, [key, 'k/+=y'])).toBe(
      'a [redacted] b [redacted]',
    );
    expect(redactSecrets('no key here', [undefined, 'ab'])).toBe('no key here');
  });

  it('keeps the key out of the base URL of a network failure', () => {
    const message = coinGeckoFailureMessage(
      { kind: 'network', detail: 'ECONNREFUSED' },
      { ...CONTEXT, baseUrl: `https://api.coingecko.com/api/v3?x_cg_demo_api_key=${KEY}` },
    );
    expect(message).toBe(
      'Could not reach CoinGecko at https://api.coingecko.com/api/v3?x_cg_demo_api_key=[redacted] for ' +
        `${PATH} (ECONNREFUSED) after 1 attempt`,
    );
  });
});

describe('the failure message carries the upstream error_code and error_message', () => {
  it('for the nested 365-day refusal: a request error, not a key problem', () => {
    expect(messageFor(401, TIME_RANGE)).toBe(`CoinGecko rejected ${PATH} (401): 10012 ${RANGE_MESSAGE}`);
  });

  it.each<[number, string, string]>([
    [404, '{"error":"coin not found"}', `CoinGecko rejected ${PATH} (404): coin not found`],
    [
      400,
      '{"status":{"error_code":10100,"error_message":"too many ids"}}',
      `CoinGecko rejected ${PATH} (400): 10100 too many ids`,
    ],
    [
      500,
      '{"status":500,"error":"Internal Server Error"}',
      `CoinGecko server error (500) on ${PATH} after 1 attempt: Internal Server Error`,
    ],
    [
      200,
      '{"status":{"error_code":503,"error_message":"busy"}}',
      `CoinGecko server error (503) on ${PATH} after 1 attempt: busy (sent with HTTP 200)`,
    ],
  ])('for HTTP %i %s', (status, body, expected) => {
    expect(messageFor(status, body)).toBe(expected);
  });

  it('names the code in the key errors too', () => {
    expect(
      messageFor(401, '{"error":{"status":{"error_code":10002,"error_message":"API Key Missing"}}}'),
    ).toMatch(/^CoinGecko refused the request on .* \(401, error_code 10002\): .* — API Key Missing$/);
  });
});
