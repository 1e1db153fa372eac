import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AssetSchema } from './asset.entity.js';

/**
 * A price observation at one minute; natural key `(asset_id, timestamp, source)`. The unique index also
 * serves per-asset time-range reads. This table grows by tracked assets × 96 rows a day (docs/scaling.md).
 */
export const AssetPriceSchema = defineEntity({
  name: 'AssetPrice',
  tableName: 'asset_prices',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    asset: () => p.manyToOne(AssetSchema).deleteRule('cascade'),
    timestamp: p.datetime(),
    priceUsd: p.decimal('string').columnType('numeric'),
    volume24hUsd: p.decimal('string').columnType('numeric').fieldName('volume_24h_usd').nullable(),
    marketCapUsd: p.decimal('string').columnType('numeric').nullable(),
    changePercent24h: p.decimal('string').columnType('numeric').fieldName('change_percent_24h').nullable(),
    source: p.text().default('coingecko'),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  uniques: [
    {
      name: 'asset_prices_asset_id_timestamp_source_unique',
      properties: ['asset', 'timestamp', 'source'],
    },
  ],
});

export type AssetPrice = InferEntity<typeof AssetPriceSchema>;
