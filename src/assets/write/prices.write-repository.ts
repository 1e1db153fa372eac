import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { SqlRepository } from '../../database/sql-repository.js';
import { upsertMany, type UpsertCounts, type WriteOptions } from '../../database/upsert.js';
import { AssetPriceSchema } from '../entities/asset-price.entity.js';
import { COINGECKO_SOURCE } from '../latest-snapshot.js';
import { PricePartitions } from '../storage/price-partitions.repository.js';
import { refreshRollups } from '../storage/price-rollups.js';
import type { ProviderName } from '../../providers/provider-name.js';
import { PriceFlagsWriteRepository } from '../../prices-quality/price-flags.write-repository.js';

/** One price observation; amounts are decimal text, as the provider sent them. */
export interface PriceRow {
  assetId: string;
  /** The provider (`asset_prices.source`); CoinGecko when not said. */
  source?: ProviderName;
  timestamp: Date;
  priceUsd: string;
  volume24hUsd: string | null;
  marketCapUsd: string | null;
  changePercent24h: string | null;
}

/**
 * The write side of `asset_prices`: natural key `(asset_id, timestamp, source)`. The raw rows, the rollup
 * buckets they fall in and the quality flags around them are written in one transaction, after the months'
 * partitions are made sure to exist.
 */
@Injectable()
export class PricesWriteRepository extends SqlRepository {
  constructor(
    orm: MikroORM,
    private readonly partitions: PricePartitions,
    private readonly flags: PriceFlagsWriteRepository,
  ) {
    super(orm);
  }

  async upsertPrices(rows: readonly PriceRow[], options: WriteOptions = {}): Promise<UpsertCounts> {
    if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
    await this.partitions.ensureFor(rows.map((row) => row.timestamp));
    const price = ({ assetId, source, ...row }: PriceRow) => ({
      ...row,
      asset: assetId,
      source: source ?? COINGECKO_SOURCE,
    });
    const { counts, flags } = await this.em().transactional(async (tx) => {
      const counts = await upsertMany(tx, AssetPriceSchema, rows.map(price), {
        ...options,
        conflictOn: ['asset', 'timestamp', 'source'],
        compare: ['priceUsd', 'volume24hUsd', 'marketCapUsd', 'changePercent24h'],
        partitioned: true,
      });
      const keys = rows.map((row) => ({
        assetId: row.assetId,
        timestamp: row.timestamp,
        source: row.source ?? COINGECKO_SOURCE,
      }));
      await refreshRollups(tx.getKysely<unknown>(), keys);
      // Every raw write passes here, so the spikes and freezes it makes or reveals are flagged with it.
      return { counts, flags: await this.flags.detectInWrite(tx.getKysely<unknown>(), keys) };
    });
    this.flags.announce(flags);
    return counts;
  }
}
