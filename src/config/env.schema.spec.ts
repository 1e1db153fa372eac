import { describe, expect, it } from 'vitest';
import { CONTRACT_ADDRESSES_JOB } from '../collectors/contract-addresses/contract-addresses.job.js';
import { PRICES_JOB } from '../collectors/prices/prices.job.js';
import { TOP_COINS_JOB } from '../collectors/top-coins/top-coins.job.js';
import { ConfigValidationError, parseEnv as parseServiceEnv } from './env.schema.js';

const JOBS = [TOP_COINS_JOB, PRICES_JOB, CONTRACT_ADDRESSES_JOB];
const parseEnv = (env: Record<string, string | undefined>) => parseServiceEnv(env, JOBS);

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseEnv(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('parseEnv', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = parseEnv({});
    expect(config.port).toBe(3001);
    expect(config.database).toEqual({
      url: undefined,
      dataDir: './.data',
      migrate: true,
      poolMax: 10,
      statementTimeoutMs: 30_000,
    });
    expect(config.coingecko).toMatchObject({
      plan: 'public',
      baseUrl: 'https://api.coingecko.com/api/v3',
      rateLimitPerMinute: 5,
      timeoutMs: 15_000,
      maxRetries: 4,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
    });
    expect(config.jobs).toMatchObject({
      maxAttempts: 3,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      heartbeatMs: 10_000,
      staleAfterMs: 60_000,
      catchUp: true,
      shutdownTimeoutMs: 30_000,
    });
    expect(config.jobs.byKey).toEqual({
      top_coins_collection: {
        enabled: true,
        schedule: '0 0 0 * * *',
        limit: 100,
        timeoutMs: 900_000,
        settings: {},
      },
      price_collection: {
        enabled: true,
        schedule: '0 */15 * * * *',
        limit: 100,
        timeoutMs: 900_000,
        settings: {},
      },
      contract_addresses_collection: {
        enabled: true,
        schedule: '0 0 1 * * *',
        limit: null,
        timeoutMs: 900_000,
        settings: { CONTRACT_ADDRESSES_DECIMALS_PER_RUN: 50 },
      },
    });
    expect(config.auth).toEqual({
      apiTokens: [],
      jwksUrl: undefined,
      issuer: undefined,
      audience: [],
      adminRole: 'admin',
      triggerRateLimitPerMinute: 10,
    });
    expect(config.log).toEqual({ level: 'info', format: 'json' });
  });

  it('picks the plan, host and rate limit from the key', () => {
    expect(parseEnv({ COINGECKO_API_KEY: 'CG-demo-key-123' }).coingecko).toMatchObject({
      plan: 'demo',
      baseUrl: 'https://api.coingecko.com/api/v3',
      rateLimitPerMinute: 30,
    });
    expect(
      parseEnv({ COINGECKO_API_KEY: 'CG-pro-key-123', COINGECKO_API_PLAN: 'pro' }).coingecko,
    ).toMatchObject({
      plan: 'pro',
      baseUrl: 'https://pro-api.coingecko.com/api/v3',
      rateLimitPerMinute: 500,
    });
    expect(
      parseEnv({
        COINGECKO_BASE_URL: 'http://127.0.0.1:9999/api/v3/',
        COINGECKO_RATE_LIMIT_PER_MINUTE: '120',
      }).coingecko,
    ).toMatchObject({ baseUrl: 'http://127.0.0.1:9999/api/v3', rateLimitPerMinute: 120 });
  });

  it('reads job settings, with an empty or "all" contract limit meaning all assets', () => {
    const config = parseEnv({
      TOP_COINS_COLLECTION_ENABLED: 'false',
      TOP_COINS_COLLECTION_SCHEDULE: '0  30 2 * * *',
      TOP_COINS_COLLECTION_LIMIT: '1000',
      PRICE_COLLECTION_TIMEOUT_MS: '60000',
      CONTRACT_ADDRESSES_COLLECTION_LIMIT: '',
    });
    expect(config.jobs.byKey.top_coins_collection).toEqual({
      enabled: false,
      schedule: '0 30 2 * * *',
      limit: 1000,
      timeoutMs: 900_000,
      settings: {},
    });
    expect(config.jobs.byKey.price_collection.timeoutMs).toBe(60_000);
    expect(config.jobs.byKey.contract_addresses_collection.limit).toBeNull();
    expect(
      parseEnv({ CONTRACT_ADDRESSES_COLLECTION_LIMIT: 'all' }).jobs.byKey.contract_addresses_collection.limit,
    ).toBeNull();
    expect(
      parseEnv({ CONTRACT_ADDRESSES_COLLECTION_LIMIT: '25' }).jobs.byKey.contract_addresses_collection.limit,
    ).toBe(25);
  });

  it.each([
    ['PORT', 'abc', 'PORT: "abc" is not an integer between 0 and 65535'],
    ['PORT', '70000', 'PORT: "70000" is not an integer between 0 and 65535'],
    [
      'DATABASE_URL',
      'mysql://u:secret@h/db',
      'DATABASE_URL: the value is not a valid URL (expected postgres:// or postgresql://…)',
    ],
    ['DB_MIGRATE', 'maybe', 'DB_MIGRATE: "maybe" is not a boolean (use true or false)'],
    ['DB_POOL_MAX', '0', 'DB_POOL_MAX: "0" is not an integer between 1 and 100'],
    [
      'DB_STATEMENT_TIMEOUT_MS',
      '50',
      'DB_STATEMENT_TIMEOUT_MS: "50" is not an integer between 100 and 2147483647',
    ],
    [
      'DB_STATEMENT_TIMEOUT_MS',
      '1.5s',
      'DB_STATEMENT_TIMEOUT_MS: "1.5s" is not an integer between 100 and 2147483647',
    ],
    [
      'COINGECKO_BASE_URL',
      'not a url',
      'COINGECKO_BASE_URL: "not a url" is not a valid URL (expected http:// or https://…)',
    ],
    ['COINGECKO_API_PLAN', 'enterprise', 'COINGECKO_API_PLAN: "enterprise" is not one of public, demo, pro'],
    [
      'COINGECKO_RATE_LIMIT_PER_MINUTE',
      '-5',
      'COINGECKO_RATE_LIMIT_PER_MINUTE: "-5" is not an integer between 1 and 100000',
    ],
    [
      'COINGECKO_TIMEOUT_MS',
      '1.5',
      'COINGECKO_TIMEOUT_MS: "1.5" is not an integer between 100 and 2147483647',
    ],
    ['COINGECKO_MAX_RETRIES', '99', 'COINGECKO_MAX_RETRIES: "99" is not an integer between 0 and 20'],
    [
      'COINGECKO_RETRY_BASE_MS',
      'x',
      'COINGECKO_RETRY_BASE_MS: "x" is not an integer between 0 and 2147483647',
    ],
    ['COINGECKO_RETRY_MAX_MS', 'x', 'COINGECKO_RETRY_MAX_MS: "x" is not an integer between 0 and 2147483647'],
    [
      'AUTH_JWKS_URL',
      'ftp://keys',
      'AUTH_JWKS_URL: "ftp://keys" is not a valid URL (expected http:// or https://…)',
    ],
    [
      'TRIGGER_RATE_LIMIT_PER_MINUTE',
      '0',
      'TRIGGER_RATE_LIMIT_PER_MINUTE: "0" is not an integer between 1 and 100000',
    ],
    ['JOB_MAX_ATTEMPTS', '0', 'JOB_MAX_ATTEMPTS: "0" is not an integer between 1 and 20'],
    ['JOB_RETRY_BASE_MS', '-1', 'JOB_RETRY_BASE_MS: "-1" is not an integer between 0 and 2147483647'],
    ['JOB_RETRY_MAX_MS', 'ten', 'JOB_RETRY_MAX_MS: "ten" is not an integer between 0 and 2147483647'],
    ['JOB_HEARTBEAT_MS', '5', 'JOB_HEARTBEAT_MS: "5" is not an integer between 100 and 2147483647'],
    ['JOB_STALE_AFTER_MS', '10', 'JOB_STALE_AFTER_MS: "10" is not an integer between 1000 and 2147483647'],
    ['JOBS_CATCH_UP', 'sometimes', 'JOBS_CATCH_UP: "sometimes" is not a boolean (use true or false)'],
    ['SHUTDOWN_TIMEOUT_MS', 'soon', 'SHUTDOWN_TIMEOUT_MS: "soon" is not an integer between 0 and 2147483647'],
    [
      'CONTRACT_ADDRESSES_DECIMALS_PER_RUN',
      '-1',
      'CONTRACT_ADDRESSES_DECIMALS_PER_RUN: "-1" is not an integer between 0 and 10000',
    ],
    [
      'ALERT_WEBHOOK_URL',
      'hook',
      'ALERT_WEBHOOK_URL: the value is not a valid URL (expected http:// or https://…)',
    ],
    ['ALERT_AFTER_FAILURES', '0', 'ALERT_AFTER_FAILURES: "0" is not an integer between 1 and 1000'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL: "loud" is not one of fatal, error, warn, info, debug, trace, silent'],
    ['LOG_FORMAT', 'xml', 'LOG_FORMAT: "xml" is not one of json, pretty'],
    [
      'TOP_COINS_COLLECTION_ENABLED',
      'nah',
      'TOP_COINS_COLLECTION_ENABLED: "nah" is not a boolean (use true or false)',
    ],
    [
      'TOP_COINS_COLLECTION_SCHEDULE',
      '0 0 25 * * *',
      'TOP_COINS_COLLECTION_SCHEDULE: "0 0 25 * * *" is not a valid 6-field cron expression',
    ],
    [
      'PRICE_COLLECTION_SCHEDULE',
      '*/15 * * * *',
      'PRICE_COLLECTION_SCHEDULE: "*/15 * * * *" is not a valid 6-field cron expression',
    ],
    [
      'CONTRACT_ADDRESSES_COLLECTION_SCHEDULE',
      'daily',
      'CONTRACT_ADDRESSES_COLLECTION_SCHEDULE: "daily" is not a valid 6-field cron expression',
    ],
    [
      'TOP_COINS_COLLECTION_LIMIT',
      '0',
      'TOP_COINS_COLLECTION_LIMIT: "0" is not an integer between 1 and 10000',
    ],
    [
      'PRICE_COLLECTION_LIMIT',
      '10.5',
      'PRICE_COLLECTION_LIMIT: "10.5" is not an integer between 1 and 10000',
    ],
    [
      'CONTRACT_ADDRESSES_COLLECTION_LIMIT',
      'some',
      'CONTRACT_ADDRESSES_COLLECTION_LIMIT: "some" is not an integer between 1 and 100000, or empty for all',
    ],
    [
      'TOP_COINS_COLLECTION_TIMEOUT_MS',
      '3000000000',
      'TOP_COINS_COLLECTION_TIMEOUT_MS: "3000000000" is not an integer between 1000 and 2147483647',
    ],
    [
      'PRICE_COLLECTION_TIMEOUT_MS',
      '10',
      'PRICE_COLLECTION_TIMEOUT_MS: "10" is not an integer between 1000 and 2147483647',
    ],
  ])('refuses %s=%s with a clear message', (name, value, message) => {
    expect(problemsOf({ [name]: value })).toEqual([message]);
  });

  it('refuses short API tokens without echoing them', () => {
    const problems = problemsOf({ API_TOKENS: 'a-long-enough-token-1234,short' });
    expect(problems).toEqual([
      'API_TOKENS: token #2 is shorter than 16 characters; use long random tokens (e.g. `openssl rand -hex 32`)',
    ]);
    expect(problems.join()).not.toContain('short,');
    expect(
      parseEnv({ API_TOKENS: ' a-long-enough-token-1234 , another-long-token-5678 ' }).auth.apiTokens,
    ).toEqual(['a-long-enough-token-1234', 'another-long-token-5678']);
  });

  it('never echoes a database URL, which carries a password', () => {
    const problems = problemsOf({ DATABASE_URL: 'http://admin:hunter2-secret@db/x' });
    expect(problems.join()).not.toContain('hunter2');
  });

  it('checks settings against each other', () => {
    expect(problemsOf({ COINGECKO_API_PLAN: 'pro' })).toEqual([
      'COINGECKO_API_PLAN: "pro" needs COINGECKO_API_KEY to be set (or use the public plan)',
    ]);
    expect(problemsOf({ JOB_RETRY_BASE_MS: '5000', JOB_RETRY_MAX_MS: '1000' })).toEqual([
      'JOB_RETRY_MAX_MS: 1000 is smaller than JOB_RETRY_BASE_MS (5000)',
    ]);
    expect(problemsOf({ JOB_HEARTBEAT_MS: '10000', JOB_STALE_AFTER_MS: '15000' })).toEqual([
      'JOB_STALE_AFTER_MS: 15000 must be at least twice JOB_HEARTBEAT_MS (10000), or live runs would be declared dead',
    ]);
  });

  it('reports every bad variable at once, one line each', () => {
    expect(problemsOf({ PORT: 'x', LOG_FORMAT: 'xml', JOB_MAX_ATTEMPTS: 'many' })).toHaveLength(3);
  });
});
