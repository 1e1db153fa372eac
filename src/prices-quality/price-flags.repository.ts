import { Injectable } from '@nestjs/common';
import { sql, type RawBuilder } from 'kysely';
import { exactUtc, isoUtc } from '../assets/read-columns.js';
import { allOf, toPage, type Page } from '../database/keyset-page.js';
import { SqlRepository } from '../database/sql-repository.js';
import { isUuid } from '../http/keyset-cursor.js';
import type { PriceFlagKind } from './price-flag.entity.js';
import type { FlagCursor } from './price-flags.cursor.js';
import type { PriceFlagItemDto } from './price-flags.dto.js';

export interface FlagsPageQuery {
  kind?: PriceFlagKind;
  assetId?: string;
  after?: FlagCursor;
  limit: number;
}

type FlagRow = PriceFlagItemDto & { cursor_timestamp: string };

/**
 * The read side of `price_flags` (`GET /prices/flags`). Newest first by the whole natural key, so the order is
 * total and the keyset cursor continues strictly after the last row. Each filter reads one index backwards:
 * none the `(timestamp, asset_id, source, kind)` index, a kind the `(kind, timestamp, …)` one, an asset the
 * primary key `(asset_id, timestamp, …)`; the cursor's `timestamp <=` bound is the range of that index and the
 * whole-key comparison only decides among the rows of that one instant.
 */
@Injectable()
export class PriceFlagsRepository extends SqlRepository {
  /** The asset an `asset` parameter names: a UUID (any case) by id, anything else by CoinGecko id. */
  async resolveAsset(key: string): Promise<string | undefined> {
    const lower = key.toLowerCase();
    const match = isUuid(lower) ? sql`id = ${lower}::uuid` : sql`coingecko_id = ${lower}`;
    const { rows } = await sql<{ id: string }>`select id from assets where ${match}`.execute(this.db());
    return rows[0]?.id;
  }

  /** How the service names an asset to people (its CoinGecko id); undefined once the asset is gone. */
  async coingeckoIdOf(assetId: string): Promise<string | undefined> {
    const { rows } = await sql<{ coingecko_id: string }>`
      select coingecko_id from assets where id = ${assetId}::uuid`.execute(this.db());
    return rows[0]?.coingecko_id;
  }

  async page(query: FlagsPageQuery): Promise<Page<PriceFlagItemDto, FlagCursor>> {
    const { kind, assetId, after, limit } = query;
    const filters: RawBuilder<unknown>[] = [];
    if (kind !== undefined) filters.push(sql`f.kind = ${kind}`);
    if (assetId !== undefined) filters.push(sql`f.asset_id = ${assetId}::uuid`);
    if (after) {
      filters.push(sql`f.timestamp <= ${after.timestamp}::timestamptz`);
      filters.push(
        sql`(f.timestamp, f.asset_id, f.source, f.kind) <
            (${after.timestamp}::timestamptz, ${after.assetId}::uuid, ${after.source}::text, ${after.kind}::text)`,
      );
    }
    const { rows } = await sql<FlagRow>`
      select f.asset_id, a.coingecko_id, a.symbol, ${sql.raw(isoUtc('f.timestamp'))} as timestamp, f.source,
             f.kind, f.detail, ${sql.raw(isoUtc('f.created_at'))} as created_at,
             ${sql.raw(exactUtc('f.timestamp'))} as cursor_timestamp
        from (select * from price_flags f
               where ${allOf(filters)}
               order by f.timestamp desc, f.asset_id desc, f.source desc, f.kind desc
               limit ${limit + 1}) f
        join assets a on a.id = f.asset_id
       order by f.timestamp desc, f.asset_id desc, f.source desc, f.kind desc`.execute(this.db());
    return toPage(
      rows,
      limit,
      ({ cursor_timestamp: _cursor, ...item }) => item,
      (last) => ({
        timestamp: last.cursor_timestamp,
        assetId: last.asset_id,
        source: last.source,
        kind: last.kind,
      }),
    );
  }
}
