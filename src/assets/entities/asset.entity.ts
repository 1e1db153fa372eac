import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** One coin or token as CoinGecko knows it; `coingecko_id` is the natural key. */
export const AssetSchema = defineEntity({
  name: 'Asset',
  tableName: 'assets',
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    coingeckoId: p.text().unique('assets_coingecko_id_unique'),
    // Symbols are not unique: CoinGecko lists more than a thousand shared ones (USDT, WETH, …).
    symbol: p.text().index('assets_symbol_index'),
    name: p.text(),
    assetType: p.text().default('cryptocurrency'),
    logoUrl: p.text().nullable(),
    isActive: p.boolean().default(true),
    isTracked: p.boolean().default(false),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

export type Asset = InferEntity<typeof AssetSchema>;
