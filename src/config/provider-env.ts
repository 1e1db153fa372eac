import { z } from 'zod';
import { isProviderName, PROVIDER_NAMES, type ProviderName } from '../providers/provider-name.js';
import type { AppConfig, CoinPaprikaPlan } from './app-config.js';
import { httpUrl, integer, isUnset, milliseconds, oneOf, show, text } from './env-vars.js';

/*
 * The variables of the market-data providers other than CoinGecko, and the order they are used in.
 * Kept beside env.schema.ts (which merges them) so each provider's settings read as one block.
 */

const COINPAPRIKA_PLANS = ['free', 'starter', 'pro', 'business'] as const;

/** NOTES.md: the free plan has its own host and no key; every paid plan uses the pro host with a Bearer key. */
export const COINPAPRIKA_HOSTS: Record<CoinPaprikaPlan, string> = {
  free: 'https://api.coinpaprika.com/v1',
  starter: 'https://api-pro.coinpaprika.com/v1',
  pro: 'https://api-pro.coinpaprika.com/v1',
  business: 'https://api-pro.coinpaprika.com/v1',
};

/** The plans' monthly calls as CoinPaprika publishes them: the budget unless COINPAPRIKA_MONTHLY_CALL_BUDGET says less. */
export const COINPAPRIKA_MONTHLY_CALLS: Record<CoinPaprikaPlan, number> = {
  free: 20_000,
  starter: 400_000,
  pro: 1_000_000,
  business: 5_000_000,
};

/**
 * CoinPaprika publishes no per-minute figure (one shared pool, 429 beyond it). These are this service's
 * own conservative defaults, far above what its jobs need (one `/tickers` call a slot, docs/providers.md).
 */
export const COINPAPRIKA_DEFAULT_RATE_LIMITS: Record<CoinPaprikaPlan, number> = {
  free: 10,
  starter: 60,
  pro: 120,
  business: 300,
};

function providerOrder() {
  return z
    .string()
    .optional()
    .transform((raw, ctx): ProviderName[] => {
      if (isUnset(raw)) return ['coingecko'];
      const names = raw.split(',').map((name) => name.trim().toLowerCase());
      const unknown = names.filter((name) => !isProviderName(name));
      if (unknown.length > 0 || names.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `${show(raw)} names an unknown provider (${unknown.map((name) => show(name)).join(', ')}); known providers: ${PROVIDER_NAMES.join(', ')}`,
        });
        return z.NEVER;
      }
      const repeated = names.filter((name, index) => names.indexOf(name) !== index);
      if (repeated.length > 0) {
        ctx.addIssue({ code: 'custom', message: `${show(raw)} lists ${show(repeated[0] ?? '')} twice` });
        return z.NEVER;
      }
      return names.filter(isProviderName);
    });
}

export const providerShape = {
  PRICE_PROVIDERS: providerOrder(),
  COINPAPRIKA_BASE_URL: httpUrl(),
  COINPAPRIKA_API_KEY: text(),
  COINPAPRIKA_API_PLAN: oneOf(COINPAPRIKA_PLANS, undefined),
  COINPAPRIKA_RATE_LIMIT_PER_MINUTE: integer({ min: 1, max: 100_000, default: 0 }),
  COINPAPRIKA_MONTHLY_CALL_BUDGET: integer({ min: 1, default: 0 }),
  COINPAPRIKA_TIMEOUT_MS: milliseconds({ min: 100, default: 15_000 }),
};

type ProviderEnv = {
  [K in keyof typeof providerShape]: z.output<(typeof providerShape)[K]>;
};

export function checkProviderEnv(env: ProviderEnv, ctx: z.RefinementCtx): void {
  if (env.COINPAPRIKA_API_PLAN && env.COINPAPRIKA_API_PLAN !== 'free' && !env.COINPAPRIKA_API_KEY) {
    ctx.addIssue({
      code: 'custom',
      path: ['COINPAPRIKA_API_PLAN'],
      message: `"${env.COINPAPRIKA_API_PLAN}" needs COINPAPRIKA_API_KEY to be set (or use the free plan)`,
    });
  }
}

/** Retries are not configurable per provider yet: CoinGecko's defaults, which suit any HTTP upstream. */
const RETRIES = { maxRetries: 4, retryBaseMs: 1000, retryMaxMs: 60_000 };

export function toProviderConfig(env: ProviderEnv): Pick<AppConfig, 'providers' | 'coinpaprika'> {
  const plan: CoinPaprikaPlan = env.COINPAPRIKA_API_PLAN ?? (env.COINPAPRIKA_API_KEY ? 'starter' : 'free');
  return {
    providers: { order: env.PRICE_PROVIDERS },
    coinpaprika: {
      plan,
      baseUrl: env.COINPAPRIKA_BASE_URL ?? COINPAPRIKA_HOSTS[plan],
      apiKey: env.COINPAPRIKA_API_KEY,
      rateLimitPerMinute: env.COINPAPRIKA_RATE_LIMIT_PER_MINUTE || COINPAPRIKA_DEFAULT_RATE_LIMITS[plan],
      monthlyCallBudget: env.COINPAPRIKA_MONTHLY_CALL_BUDGET || COINPAPRIKA_MONTHLY_CALLS[plan],
      timeoutMs: env.COINPAPRIKA_TIMEOUT_MS,
      ...RETRIES,
    },
  };
}
