import { CoinGeckoRateLimiter, type SlotStore } from '../../coingecko/coingecko.rate-limiter.js';
import type { AppConfig } from '../../config/app-config.js';
import type { Clock } from '../../jobs/clock.js';
import { CoinPaprikaClient } from './coinpaprika.client.js';
import { CoinPaprikaBudgetError } from './coinpaprika.errors.js';
import { CoinPaprikaStats } from './coinpaprika.stats.js';
import { CoinPaprikaTransport, retryTimingOf, type RetryTiming } from './coinpaprika.transport.js';

const MINUTE_MS = 60_000;
/** As CoinGecko's (coingecko.module.ts): the N-th request after any request starts at least 61 s after it. */
const RATE_LIMIT_MARGIN_MS = 1000;

export interface CoinPaprikaParts {
  client: CoinPaprikaClient;
  limiter: CoinGeckoRateLimiter;
  transport: CoinPaprikaTransport;
}

/**
 * The CoinPaprika client with its own shared limiter (row `coinpaprika` of `rate_limit_windows`, calls
 * counted in `provider_calls`), transport and counters: how ProvidersModule builds it, and how specs build
 * one without the app.
 */
export function createCoinPaprika(options: {
  settings: AppConfig['coinpaprika'];
  store: SlotStore;
  clock: Clock;
  /** Shorter waits for specs; the settings' retries otherwise. */
  retry?: Partial<RetryTiming>;
  /** Injected time and sleep for the limiter (specs). */
  now?: () => number;
  limiterWait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}): CoinPaprikaParts {
  const { settings } = options;
  const limiter = new CoinGeckoRateLimiter({
    store: options.store,
    key: 'coinpaprika',
    provider: 'coinpaprika',
    label: 'CoinPaprika',
    limit: settings.rateLimitPerMinute,
    windowMs: MINUTE_MS,
    marginMs: RATE_LIMIT_MARGIN_MS,
    monthlyBudget: settings.monthlyCallBudget,
    budgetError: (budget, resetsAt) => new CoinPaprikaBudgetError(budget, resetsAt),
    ...(options.now ? { now: options.now } : {}),
    ...(options.limiterWait ? { wait: options.limiterWait } : {}),
  });
  const stats = new CoinPaprikaStats();
  const transport = new CoinPaprikaTransport(settings, limiter, stats, {
    ...retryTimingOf(settings),
    ...options.retry,
  });
  const client = new CoinPaprikaClient({ transport, stats, settings, clock: options.clock });
  return { client, limiter, transport };
}
