import { AssetContractSchema } from '../assets/entities/asset-contract.entity.js';
import {
  AssetPriceDailySchema,
  AssetPriceHourlySchema,
} from '../assets/entities/asset-price-rollup.entity.js';
import { AssetPriceSchema } from '../assets/entities/asset-price.entity.js';
import { AssetRankingSchema } from '../assets/entities/asset-ranking.entity.js';
import { AssetSchema } from '../assets/entities/asset.entity.js';
import {
  CoinGeckoCallSchema,
  CoinGeckoRunCallSchema,
  RateLimitWindowSchema,
} from '../coingecko/usage/coingecko-usage.entities.js';
import { PriceGapAttemptSchema } from '../collectors/price-gap-repair/price-gap-attempt.entity.js';
import { PriceHistoryCoverageSchema } from '../collectors/price-history-backfill/price-history-coverage.entity.js';
import { JobRunSchema } from '../jobs/job-run.entity.js';
import {
  AssetProviderIdCheckSchema,
  AssetProviderIdSchema,
} from '../providers/mapping/asset-provider-id.entity.js';
import { PriceFlagSchema } from '../prices-quality/price-flag.entity.js';
import { JobAlertSchema } from '../observability/alerting/job-alert.entity.js';
import { ProviderCallSchema } from '../providers/usage/provider-calls.entity.js';

/** Every entity of the service, listed explicitly (no folder discovery: the same list works from src and dist). */
export const ENTITIES = [
  AssetSchema,
  AssetRankingSchema,
  AssetPriceSchema,
  AssetPriceHourlySchema,
  AssetPriceDailySchema,
  AssetContractSchema,
  JobRunSchema,
  JobAlertSchema,
  PriceGapAttemptSchema,
  PriceHistoryCoverageSchema,
  PriceFlagSchema,
  RateLimitWindowSchema,
  CoinGeckoCallSchema,
  CoinGeckoRunCallSchema,
  AssetProviderIdSchema,
  AssetProviderIdCheckSchema,
  ProviderCallSchema,
];
