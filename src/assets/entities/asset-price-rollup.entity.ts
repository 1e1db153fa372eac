import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AssetSchema } from './asset.entity.js';

/** The columns of both rollups: open/high/low/close of `price_usd`, how many raw rows, the bucket's last amounts. */
const rollupProperties = {
  asset: () => p.manyToOne(AssetSchema).deleteRule('cascade').primary(),
  bucket: p.datetime().primary(),
  source: p.text().primary(),
  open: p.decimal('string').columnType('numeric'),
  high: p.decimal('string').columnType('numeric'),
  low: p.decimal('string').columnType('numeric'),
  close: p.decimal('string').columnType('numeric'),
  points: p.integer(),
  marketCapUsd: p.decimal('string').columnType('numeric').nullable(),
  volume24hUsd: p.decimal('string').columnType('numeric').fieldName('volume_24h_usd').nullable(),
  updatedAt: p.datetime().defaultRaw('now()'),
};

/** One UTC hour of `asset_prices` per asset and source; natural key `(asset_id, bucket, source)`. */
export const AssetPriceHourlySchema = defineEntity({
  name: 'AssetPriceHourly',
  tableName: 'asset_prices_hourly',
  properties: rollupProperties,
});

/** One UTC day of `asset_prices` per asset and source; natural key `(asset_id, bucket, source)`. */
export const AssetPriceDailySchema = defineEntity({
  name: 'AssetPriceDaily',
  tableName: 'asset_prices_daily',
  properties: rollupProperties,
});

export type AssetPriceHourly = InferEntity<typeof AssetPriceHourlySchema>;
export type AssetPriceDaily = InferEntity<typeof AssetPriceDailySchema>;
