import { Injectable } from '@nestjs/common';
import { SqlRepository } from '../../database/sql-repository.js';
import { upsertMany, type UpsertCounts, type WriteOptions } from '../../database/upsert.js';
import { AssetPriceSchema } from '../entities/asset-price.entity.js';
import { COINGECKO_SOURCE } from '../latest-snapshot.js';

/** One CoinGecko price observation; amounts are decimal text, as CoinGecko sent them. */
export interface PriceRow {
  assetId: string;
  timestamp: Date;
  priceUsd: string;
  volume24hUsd: string | null;
  marketCapUsd: string | null;
  changePercent24h: string | null;
}

/** The write side of `asset_prices`: natural key `(asset_id, timestamp, source)`. */
@Injectable()
export class PricesWriteRepository extends SqlRepository {
  upsertPrices(rows: readonly PriceRow[], options: WriteOptions = {}): Promise<UpsertCounts> {
    const price = ({ assetId, ...row }: PriceRow) => ({ ...row, asset: assetId, source: COINGECKO_SOURCE });
    return upsertMany(this.em(), AssetPriceSchema, rows.map(price), {
      ...options,
      conflictOn: ['asset', 'timestamp', 'source'],
      compare: ['priceUsd', 'volume24hUsd', 'marketCapUsd', 'changePercent24h'],
    });
  }
}
