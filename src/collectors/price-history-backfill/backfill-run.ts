import type { JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
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
  /** With the daily range on another provider: its calls and the points it gave (CoinGecko's are `calls`). */
  calls_by_source?: Partial<Record<ProviderName, number>>;
  prices_by_source?: Partial<Record<ProviderName, number>>;
}
