import { describe, expect, it } from 'vitest';
import { ConfigValidationError, parseEnv } from './env.schema.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseEnv(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('provider settings', () => {
  it('prefers CoinGecko alone, and CoinPaprika on its free host, when nothing is set', () => {
    const config = parseEnv({});
    expect(config.providers.order).toEqual(['coingecko']);
    expect(config.coinpaprika).toMatchObject({
      plan: 'free',
      baseUrl: 'https://api.coinpaprika.com/v1',
      apiKey: undefined,
      rateLimitPerMinute: 10,
      monthlyCallBudget: 20_000,
      timeoutMs: 15_000,
    });
  });

  it('reads the order of preference, any case and spacing', () => {
    expect(parseEnv({ PRICE_PROVIDERS: ' CoinGecko , coinpaprika ' }).providers.order).toEqual([
      'coingecko',
      'coinpaprika',
    ]);
    expect(parseEnv({ PRICE_PROVIDERS: 'coinpaprika' }).providers.order).toEqual(['coinpaprika']);
  });

  it('refuses an unknown or repeated provider, listing the known ones', () => {
    expect(problemsOf({ PRICE_PROVIDERS: 'coingecko,cmc' })).toEqual([
      'PRICE_PROVIDERS: "coingecko,cmc" names an unknown provider ("cmc"); known providers: coingecko, coinpaprika',
    ]);
    expect(problemsOf({ PRICE_PROVIDERS: 'coingecko,,coinpaprika' })[0]).toContain('known providers');
    expect(problemsOf({ PRICE_PROVIDERS: 'coinpaprika,coinpaprika' })).toEqual([
      'PRICE_PROVIDERS: "coinpaprika,coinpaprika" lists "coinpaprika" twice',
    ]);
  });

  it('uses the pro host for a key, with the plan defaults of the plan', () => {
    const config = parseEnv({ COINPAPRIKA_API_KEY: 'cp-secret-key-1234' });
    expect(config.coinpaprika).toMatchObject({
      plan: 'starter',
      baseUrl: 'https://api-pro.coinpaprika.com/v1',
      rateLimitPerMinute: 60,
      monthlyCallBudget: 400_000,
    });
    const business = parseEnv({
      COINPAPRIKA_API_KEY: 'cp-secret-key-1234',
      COINPAPRIKA_API_PLAN: 'Business',
      COINPAPRIKA_RATE_LIMIT_PER_MINUTE: '20',
      COINPAPRIKA_MONTHLY_CALL_BUDGET: '1000',
      COINPAPRIKA_BASE_URL: 'http://127.0.0.1:9999/v1/',
    }).coinpaprika;
    expect(business).toMatchObject({
      plan: 'business',
      baseUrl: 'http://127.0.0.1:9999/v1',
      rateLimitPerMinute: 20,
      monthlyCallBudget: 1000,
    });
  });

  it('validates like the CoinGecko settings, never echoing the key', () => {
    expect(problemsOf({ COINPAPRIKA_API_PLAN: 'pro' })).toEqual([
      'COINPAPRIKA_API_PLAN: "pro" needs COINPAPRIKA_API_KEY to be set (or use the free plan)',
    ]);
    expect(problemsOf({ COINPAPRIKA_API_PLAN: 'ultimate' })).toEqual([
      'COINPAPRIKA_API_PLAN: "ultimate" is not one of free, starter, pro, business',
    ]);
    expect(problemsOf({ COINPAPRIKA_RATE_LIMIT_PER_MINUTE: '0', COINPAPRIKA_TIMEOUT_MS: '5' })).toHaveLength(
      2,
    );
    const problems = problemsOf({ COINPAPRIKA_API_KEY: 'cp-secret-key-1234', COINPAPRIKA_API_PLAN: 'gold' });
    expect(problems.join()).not.toContain('cp-secret-key-1234');
  });
});
