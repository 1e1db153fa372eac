import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { SqlRepository } from '../../database/sql-repository.js';
import { toDate } from '../../database/pg-values.js';
import type { ProviderName } from '../../providers/provider-name.js';

/** A stored row of the preferred provider, with the asset's id at the provider it is checked against. */
export interface StoredPrice {
  assetId: string;
  providerId: string;
  timestamp: Date;
  priceUsd: string;
}

/**
 * The read side of the cross-check: for every asset the other provider has an id for, the preferred
 * provider's row nearest `at` within `windowMs` either side (ties: the earlier). Two index probes of one
 * series per asset (the last row at or before `at`, the first after it), so the cost follows the assets,
 * never the history stored. An asset without such a row is not priced now and is not compared.
 */
@Injectable()
export class PriceCrossCheckRepository extends SqlRepository {
  async storedNear(options: {
    at: Date;
    windowMs: number;
    source: ProviderName;
    other: ProviderName;
  }): Promise<StoredPrice[]> {
    const { at, windowMs, source, other } = options;
    const t = sql`${at.toISOString()}::timestamptz`;
    const window = sql`make_interval(secs => ${windowMs / 1000}::float8)`;
    const { rows } = await sql<{ asset_id: string; provider_id: string; timestamp: unknown; price: string }>`
      select a.id as asset_id, i.provider_id, n.timestamp, n.price_usd::text as price
        from assets a
       cross join lateral (
         select case when ${other}::text = 'coingecko' then a.coingecko_id
                     else (select m.provider_id from asset_provider_ids m
                            where m.asset_id = a.id and m.provider = ${other}) end as provider_id) i
       cross join lateral (
         select c.timestamp, c.price_usd from (
           (select p.timestamp, p.price_usd from asset_prices p
             where p.asset_id = a.id and p.source = ${source}
               and p.timestamp <= ${t} and p.timestamp >= ${t} - ${window}
             order by p.timestamp desc limit 1)
           union all
           (select p.timestamp, p.price_usd from asset_prices p
             where p.asset_id = a.id and p.source = ${source}
               and p.timestamp > ${t} and p.timestamp <= ${t} + ${window}
             order by p.timestamp limit 1)) c
          order by abs(extract(epoch from c.timestamp - ${t})), c.timestamp
          limit 1) n
       where i.provider_id is not null
       order by a.id`.execute(this.db());
    return rows.map((row) => ({
      assetId: row.asset_id,
      providerId: row.provider_id,
      timestamp: toDate(row.timestamp),
      priceUsd: row.price,
    }));
  }
}
