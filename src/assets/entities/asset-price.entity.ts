import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AssetSchema } from './asset.entity.js';

/**
 * A price observation at one minute; natural key `(asset_id, timestamp, source)`, which is also the primary key
 * and serves per-asset time-range reads. This table grows by tracked assets × 96 rows a day, so it is partitioned
 * by UTC month (`asset_prices_pYYYYMM`, created by `PricePartitions`) and rolled up hourly and daily
 * (docs/scaling.md). The partitioning lives in the migrations, not here: its partitions change at run time, so the
 * schema comparison skips this table (`orm-options.ts`).
 */
export const AssetPriceSchema = defineEntity({
  name: 'AssetPrice',
  tableName: 'asset_prices',
  properties: {
    asset: () => p.manyToOne(AssetSchema).deleteRule('cascade').primary(),
    timestamp: p.datetime().primary(),
    priceUsd: p.decimal('string').columnType('numeric'),
    volume24hUsd: p.decimal('string').columnType('numeric').fieldName('volume_24h_usd').nullable(),
    marketCapUsd: p.decimal('string').columnType('numeric').nullable(),
    changePercent24h: p.decimal('string').columnType('numeric').fieldName('change_percent_24h').nullable(),
    source: p.text().default('coingecko').primary(),
    createdAt: p.datetime().defaultRaw('now()'),
    /** Inserted by price_history_backfill, not collected (docs/decisions.md). */
    backfilled: p.boolean().default(false),
  },
});

export type AssetPrice = InferEntity<typeof AssetPriceSchema>;
