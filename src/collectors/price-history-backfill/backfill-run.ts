import type { JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import type { MarketDataProvider } from '../../providers/market-data-provider.js';
import type { ProviderName } from '../../providers/provider-name.js';
import type { PRICE_HISTORY_BACKFILL_JOB } from './price-history-backfill.job.js';

export type Context = JobHandlerContext<typeof PRICE_HISTORY_BACKFILL_JOB>;

export interface BackfillCounts {
  assets_checked: number;
  assets_backfilled: number;
  assets_pending: number;
  points_inserted: number;
  calls: number;
  deferred_for_budget: number;
  assets_failed: number;
  waited_for_schedule_ms: number;
  deferred_for_schedule: number;
  /** With a second provider configured: its calls (CoinGecko's are `calls`) and the points each provider gave. */
  calls_by_source?: Partial<Record<ProviderName, number>>;
  prices_by_source?: Partial<Record<ProviderName, number>>;
  /** Assets whose CoinGecko ranges the fallback stood in for, in whole or in part, while CoinGecko was not asked. */
  assets_from_fallback?: number;
  /** Why the fallback was asked: each failed provider's error, or CoinGecko's spent budget. */
  fallback_reasons?: Partial<Record<ProviderName, string>>;
}

/** The next provider of PRICE_PROVIDERS in one run, for the ranges CoinGecko cannot answer (outage-fallback.ts). */
export interface OutageFallbackState {
  provider: MarketDataProvider;
  /** Set once CoinGecko failed after its retries or its budget ran out: it is asked nothing more this run. */
  down?: { why: 'outage' | 'budget'; error: Error };
  /** The fallback's own failure: it is asked nothing more this run either. */
  failed?: Error;
  /** Assets whose ranges it answered, or held already. */
  served: number;
}

/** What one backfill run carries from asset to asset. */
export interface BackfillRun {
  ctx: Context;
  custom: BackfillCounts;
  now: Date;
  history: { days: number; hourlyDays: number };
  /** The provider of the daily range when CoinGecko's plan cannot serve it (history-sources.ts). */
  dailyProvider?: MarketDataProvider;
  fallback?: OutageFallbackState;
}
