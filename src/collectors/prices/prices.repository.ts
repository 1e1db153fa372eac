import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

export interface TrackedAsset {
  id: string;
  coingeckoId: string;
  symbol: string;
}

@Injectable()
export class PricesRepository {
  constructor(private readonly orm: MikroORM) {}

  /**
   * The assets to price: the top `limit` of the latest CoinGecko ranking snapshot, plus every asset
   * marked `is_tracked` (a portfolio asset outside the top N), each once, best-ranked first.
   */
  async trackedAssets(limit: number): Promise<TrackedAsset[]> {
    const rows = await this.orm.em
      .getConnection()
      .execute<{ id: string; coingecko_id: string; symbol: string }[]>(
        `with latest as (
         select max(snapshot_date) as snapshot_date from asset_rankings where source = 'coingecko'
       ),
       top as (
         select r.asset_id, r.rank
           from asset_rankings r join latest l on r.snapshot_date = l.snapshot_date
          where r.source = 'coingecko'
          order by r.rank, r.asset_id
          limit ?
       )
       select a.id, a.coingecko_id, a.symbol
         from assets a left join top t on t.asset_id = a.id
        where t.asset_id is not null or a.is_tracked
        order by t.rank nulls last, a.coingecko_id`,
        [limit],
        'all',
      );
    return rows.map((row) => ({ id: row.id, coingeckoId: row.coingecko_id, symbol: row.symbol }));
  }
}
