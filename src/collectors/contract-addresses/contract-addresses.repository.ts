import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { toDateOrNull } from '../../database/pg-values.js';

export interface KnownAsset {
  id: string;
  coingeckoId: string;
  /** Rank in the latest CoinGecko snapshot; null when the asset is not in it. */
  rank: number | null;
}

export interface ContractWithoutDecimals {
  assetId: string;
  chain: string;
  contractAddress: string;
  /** When `/coins/{id}` was last asked for them; null = never. */
  checkedAt: Date | null;
}

@Injectable()
export class ContractAddressesRepository {
  constructor(private readonly orm: MikroORM) {}

  /**
   * Active assets, best-ranked first (latest snapshot; unranked ones after, by id), the first `limit`
   * of them or all. The order decides which asset keeps a contract two coins claim.
   */
  async knownAssets(limit: number | null): Promise<KnownAsset[]> {
    const rows = await this.orm.em
      .getConnection()
      .execute<{ id: string; coingecko_id: string; rank: number | null }[]>(
        `with latest as (
         select max(snapshot_date) as snapshot_date from asset_rankings where source = 'coingecko'
       )
       select a.id, a.coingecko_id, r.rank
         from assets a
         left join asset_rankings r
           on r.asset_id = a.id and r.source = 'coingecko' and r.snapshot_date = (select snapshot_date from latest)
        where a.is_active
        order by r.rank nulls last, a.coingecko_id
        ${limit === null ? '' : 'limit ?'}`,
        limit === null ? [] : [limit],
        'all',
      );
    return rows.map((row) => ({
      id: row.id,
      coingeckoId: row.coingecko_id,
      rank: row.rank === null ? null : Number(row.rank),
    }));
  }

  /** Every contract whose token decimals are still unknown. */
  async withoutDecimals(): Promise<ContractWithoutDecimals[]> {
    const rows = await this.orm.em
      .getConnection()
      .execute<
        { asset_id: string; chain: string; contract_address: string; decimals_checked_at: string | null }[]
      >(
        `select asset_id, chain, contract_address, decimals_checked_at from asset_contracts where decimals is null`,
        [],
        'all',
      );
    return rows.map((row) => ({
      assetId: row.asset_id,
      chain: row.chain,
      contractAddress: row.contract_address,
      checkedAt: toDateOrNull(row.decimals_checked_at),
    }));
  }
}
