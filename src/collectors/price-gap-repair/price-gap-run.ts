import type { RepairedPrice } from '../../assets/price-gaps.repository.js';
import type { JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import type { MarketDataProvider } from '../../providers/market-data-provider.js';
import type { ProviderName } from '../../providers/provider-name.js';
import type { PRICE_GAP_REPAIR_JOB } from './price-gap-repair.job.js';
import type { fillHoles } from './price-holes.js';

export type Context = JobHandlerContext<typeof PRICE_GAP_REPAIR_JOB>;

export interface RepairCounts {
  assets_checked: number;
  assets_with_gaps: number;
  slots_missing: number;
  slots_filled: number;
  slots_unfillable: number;
  calls: number;
  slots_given_up: number;
  /** With a fallback provider configured: slots filled by each provider. */
  prices_by_source?: Partial<Record<ProviderName, number>>;
  /** Why CoinGecko left holes to the fallback (its error or its budget), and why the fallback failed. */
  fallback_reasons?: Partial<Record<ProviderName, string>>;
}

export interface AssetHoles {
  id: string;
  coingeckoId: string;
  coinpaprikaId: string | null;
  holes: Date[];
  /** Holes that already hold a CoinPaprika row (a fallback slot): only CoinGecko is asked for them. */
  fallbackCovered: Set<number>;
}

/** What one run knows about its providers: the fallback, and the first failure that took each out of the run. */
export interface RunProviders {
  fallback: MarketDataProvider | undefined;
  failed: Partial<Record<ProviderName, Error>>;
  /** Ranges the fallback served this run: answered, or already held as its rows. */
  served: number;
}

/** What one asset's repair needs of its run. */
export interface RepairRun {
  custom: RepairCounts;
  now: Date;
  budget: number;
  signal: AbortSignal;
  providers: RunProviders;
}

export const rowOf =
  (assetId: string) =>
  (slot: ReturnType<typeof fillHoles>['filled'][number]): RepairedPrice => ({
    assetId,
    timestamp: slot.slot,
    priceUsd: slot.priceUsd,
    marketCapUsd: slot.marketCapUsd,
    volume24hUsd: slot.volume24hUsd,
    priceDayBefore: slot.priceDayBefore,
  });
