import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AssetSchema } from '../../assets/entities/asset.entity.js';

/**
 * What the history backfill has stored for one asset and source (the primary key is the natural key). The
 * schema lives in the migration; this definition keeps the ORM's view in step with it. Queries go through
 * PriceHistoryCoverageRepository.
 */
export const PriceHistoryCoverageSchema = defineEntity({
  name: 'PriceHistoryCoverage',
  tableName: 'price_history_coverage',
  properties: {
    asset: () => p.manyToOne(AssetSchema).primary().deleteRule('cascade'),
    source: p.text().primary().default('coingecko'),
    dailyFrom: p.datetime().nullable(),
    dailyTo: p.datetime().nullable(),
    dailyDone: p.boolean().default(false),
    hourlyFrom: p.datetime().nullable(),
    hourlyTo: p.datetime().nullable(),
    hourlyDone: p.boolean().default(false),
    pointsInserted: p.integer().default(0),
    tries: p.integer().default(0),
    lastError: p.text().nullable(),
    lastTriedAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export type PriceHistoryCoverage = InferEntity<typeof PriceHistoryCoverageSchema>;
