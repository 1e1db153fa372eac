import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { sql, type RawBuilder } from 'kysely';
import { allOf, toPage, type Page } from '../database/keyset-page.js';
import { SqlRepository } from '../database/sql-repository.js';
import type { ProviderName } from '../providers/provider-name.js';
import type { AssetDto, LatestRankingDto } from './dto/asset.dto.js';
import type { AssetPriceDto } from './dto/asset-price.dto.js';
import type { AssetContractDto, ContractDto } from './dto/contract.dto.js';
import type { RankingDto } from './dto/ranking.dto.js';
import { inSnapshot, latestSnapshotDate } from './latest-snapshot.js';
import { ASSET_COLUMNS, CONTRACT_COLUMNS, exactUtc, PRICE_COLUMNS, RANKING_AMOUNTS } from './read-columns.js';
import type { AssetCursor, ContractCursor, PriceCursor, RankingCursor } from './page-cursor.js';
import { flagsOf } from './prices/price-reads.repository.js';
import { fromSources, preference, PriceSources } from './prices/price-sources.js';

export interface AssetListQuery {
  search?: string;
  tracked?: boolean;
  after?: AssetCursor;
  limit: number;
}

export interface PriceHistoryQuery {
  assetId: string;
  /** ISO 8601 instants, passed to PostgreSQL as text so they keep their microseconds. */
  from?: string;
  to?: string;
  /** One provider asked for; else each time's row of the first provider in `PRICE_PROVIDERS` that has one. */
  source?: ProviderName;
  after?: PriceCursor;
  limit: number;
}

export interface RankingQuery {
  snapshotDate: string;
  after?: RankingCursor;
  limit: number;
}

export interface ContractListQuery {
  chain: string;
  after?: ContractCursor;
  limit: number;
}

export interface TrackedChange {
  coingeckoId: string;
  previous: boolean;
}

/** `%`, `_` and `\` in a search are literal characters, not LIKE wildcards. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

type AssetRow = AssetDto & { sort_bucket: 0 | 1 };
type PriceRow = Omit<AssetPriceDto, 'flags'> & {
  cursor_timestamp: string;
  flags: AssetPriceDto['flags'] | null;
};

/** Leaves `flags` out of an unflagged price, as the API shows it. */
const withoutNullFlags = ({ flags, ...price }: Omit<PriceRow, 'cursor_timestamp'>): AssetPriceDto =>
  flags === null ? price : { ...price, flags };

/**
 * The read queries of the assets API. Plain SQL through MikroORM's Kysely (bound parameters, nothing
 * hydrated into entities): every list is keyset-paginated on a unique sort key served by an index, and
 * every row comes back already in its wire shape.
 */
@Injectable()
export class AssetsRepository extends SqlRepository {
  constructor(
    orm: MikroORM,
    private readonly sources: PriceSources,
  ) {
    super(orm);
  }

  /**
   * Assets ordered by `(bucket, symbol, coingecko_id)`. Without a search the bucket is 0 for every row;
   * with one, exact symbol or CoinGecko id matches get bucket 0 and come first. `coingecko_id` is unique,
   * so the key is too, and assets sharing a symbol are neither skipped nor repeated across pages.
   */
  async listAssets(query: AssetListQuery): Promise<Page<AssetDto, AssetCursor>> {
    const filters: RawBuilder<unknown>[] = [];
    let bucket: RawBuilder<unknown> = sql`0`;
    if (query.search !== undefined) {
      const prefix = `${escapeLike(query.search)}%`;
      const substring = `%${escapeLike(query.search)}%`;
      filters.push(
        sql`(a.symbol ilike ${prefix} or a.coingecko_id ilike ${prefix} or a.name ilike ${substring})`,
      );
      bucket = sql`case when upper(a.symbol) = upper(${query.search})
                          or lower(a.coingecko_id) = lower(${query.search}) then 0 else 1 end`;
    }
    if (query.tracked !== undefined) filters.push(sql`a.is_tracked = ${query.tracked}`);
    let after: RawBuilder<unknown> = sql``;
    if (query.after && query.search === undefined) {
      // Every row is in bucket 0: compare on (symbol, coingecko_id) alone, which the symbol index can seek.
      after =
        query.after.bucket === 0
          ? sql`where (a.symbol, a.coingecko_id) > (${query.after.symbol}, ${query.after.coingeckoId})`
          : sql`where false`;
    } else if (query.after) {
      after = sql`where (a.sort_bucket, a.symbol, a.coingecko_id) > (${query.after.bucket}::int, ${query.after.symbol}, ${query.after.coingeckoId})`;
    }
    const { rows } = await sql<AssetRow>`
      select * from (
        select ${sql.raw(ASSET_COLUMNS)}, ${bucket}::int as sort_bucket from assets a where ${allOf(filters)}
      ) a
      ${after}
      order by a.sort_bucket, a.symbol, a.coingecko_id
      limit ${query.limit + 1}`.execute(this.db());
    return toPage(
      rows,
      query.limit,
      ({ sort_bucket: _bucket, ...asset }) => asset,
      (row) => ({ bucket: row.sort_bucket, symbol: row.symbol, coingeckoId: row.coingecko_id }),
    );
  }

  async findAsset(id: string): Promise<AssetDto | undefined> {
    const { rows } = await sql<AssetDto>`
      select ${sql.raw(ASSET_COLUMNS)} from assets a where a.id = ${id}::uuid`.execute(this.db());
    return rows[0];
  }

  async exists(id: string): Promise<boolean> {
    const { rows } = await sql`select 1 from assets where id = ${id}::uuid`.execute(this.db());
    return rows.length > 0;
  }

  async contractsOf(assetId: string): Promise<AssetContractDto[]> {
    const { rows } = await sql<AssetContractDto>`
      select ${sql.raw(CONTRACT_COLUMNS)} from asset_contracts c
       where c.asset_id = ${assetId}::uuid
       order by c.chain, c.contract_address`.execute(this.db());
    return rows;
  }

  /**
   * The newest snapshot the asset is in (the unique `(asset_id, snapshot_date, source)` index, backwards): a
   * date's snapshot is its preferred source's rows (latest-snapshot.ts), so a coin only the fallback ranked
   * on a day the preferred provider also ranked is not in that day's snapshot.
   */
  async latestRankingOf(assetId: string): Promise<LatestRankingDto | undefined> {
    const { rows } = await sql<LatestRankingDto>`
      select r.rank, to_char(r.snapshot_date, 'YYYY-MM-DD') as snapshot_date, ${sql.raw(RANKING_AMOUNTS)}
        from asset_rankings r
       where r.asset_id = ${assetId}::uuid and ${inSnapshot('r', sql`r.snapshot_date`, this.sources.rankings())}
       order by r.snapshot_date desc
       limit 1`.execute(this.db());
    return rows[0];
  }

  /** The newest price by preference: of the newest time any provider of `PRICE_PROVIDERS` has, the first's row. */
  async latestPriceOf(assetId: string): Promise<AssetPriceDto | undefined> {
    const sources = this.sources.of();
    const { rows } = await sql<PriceRow>`
      select ${sql.raw(PRICE_COLUMNS)}, l.flags from asset_prices p
        left join lateral (${flagsOf(sql`p.asset_id`, sql`p.timestamp`, sql`p.source`)}) l on true
       where p.asset_id = ${assetId}::uuid and ${fromSources(sql`p.source`, sources)}
       order by p.timestamp desc, ${preference(sql`p.source`, sources)}
       limit 1`.execute(this.db());
    return rows[0] && withoutNullFlags(rows[0]);
  }

  /**
   * Newest first, one price per timestamp: the row of the first provider in `sources` that has one there. The
   * `(asset_id, timestamp, source)` primary key answers the range and the order by reading backwards; a page is
   * cut before the flags are probed, so only its own rows cost a probe of the `price_flags` key. The cursor
   * keeps `(timestamp, source)`; a page continues strictly before its timestamp, the one price of that time given.
   */
  async priceHistory(query: PriceHistoryQuery): Promise<Page<AssetPriceDto, PriceCursor>> {
    const sources = this.sources.of(query.source);
    const filters: RawBuilder<unknown>[] = [
      sql`p.asset_id = ${query.assetId}::uuid`,
      fromSources(sql`p.source`, sources),
    ];
    if (query.from !== undefined) filters.push(sql`p.timestamp >= ${query.from}::timestamptz`);
    if (query.to !== undefined) filters.push(sql`p.timestamp <= ${query.to}::timestamptz`);
    if (query.after) filters.push(sql`p.timestamp < ${query.after.timestamp}::timestamptz`);
    const { rows } = await sql<PriceRow & { at: unknown }>`
      select h.*, l.flags
        from (select distinct on (p.timestamp) ${sql.raw(PRICE_COLUMNS)}, p.timestamp as at,
                     ${sql.raw(exactUtc('p.timestamp'))} as cursor_timestamp
                from asset_prices p
               where ${allOf(filters)}
               order by p.timestamp desc, ${preference(sql`p.source`, sources)}
               limit ${query.limit + 1}) h
        left join lateral (${flagsOf(sql`h.asset_id`, sql`h.at`, sql`h.source`)}) l on true
       order by h.at desc`.execute(this.db());
    return toPage(
      rows,
      query.limit,
      ({ cursor_timestamp: _timestamp, at: _at, ...price }) => withoutNullFlags(price),
      (row) => ({ timestamp: row.cursor_timestamp, source: row.source }),
    );
  }

  /** The latest snapshot's date, or undefined when there is none. */
  async latestSnapshotDate(): Promise<string | undefined> {
    const { rows } = await sql<{ date: string | null }>`
      select to_char(${latestSnapshotDate(this.sources.rankings())}, 'YYYY-MM-DD') as date`.execute(
      this.db(),
    );
    return rows[0]?.date ?? undefined;
  }

  /**
   * One snapshot by `(rank, source, asset_id)`: unique within a date, rank first as the index has it. The
   * snapshot is the date's rows of its preferred source (latest-snapshot.ts), one row per asset.
   */
  async rankings(query: RankingQuery): Promise<Page<RankingDto, RankingCursor>> {
    const filters: RawBuilder<unknown>[] = [
      inSnapshot('r', sql`${query.snapshotDate}::date`, this.sources.rankings()),
    ];
    if (query.after) {
      filters.push(
        sql`(r.rank, r.source, r.asset_id) > (${query.after.rank}::int, ${query.after.source}, ${query.after.assetId}::uuid)`,
      );
    }
    const { rows } = await sql<RankingDto>`
      select r.rank, r.asset_id, a.coingecko_id, a.symbol, a.name, a.logo_url, ${sql.raw(RANKING_AMOUNTS)}
        from asset_rankings r
        join assets a on a.id = r.asset_id
       where ${allOf(filters)}
       order by r.rank, r.source, r.asset_id
       limit ${query.limit + 1}`.execute(this.db());
    return toPage(
      rows,
      query.limit,
      (row) => row,
      (row) => ({
        snapshotDate: query.snapshotDate,
        rank: row.rank,
        source: row.source,
        assetId: row.asset_id,
      }),
    );
  }

  /** The contract at `address` on `chain` (the unique `(chain, contract_address)` index), spelled as stored. */
  async findContract(chain: string, address: string): Promise<ContractDto | undefined> {
    const { rows } = await sql<ContractDto>`
      select ${sql.raw(CONTRACT_COLUMNS)}, a.id as asset_id, a.coingecko_id, a.symbol, a.name
        from asset_contracts c
        join assets a on a.id = c.asset_id
       where c.chain = ${chain} and c.contract_address = ${address}`.execute(this.db());
    return rows[0];
  }

  /** A chain's contracts by address, which is unique within a chain (same index). */
  async listContracts(query: ContractListQuery): Promise<Page<ContractDto, ContractCursor>> {
    const filters: RawBuilder<unknown>[] = [sql`c.chain = ${query.chain}`];
    if (query.after) filters.push(sql`c.contract_address > ${query.after.contractAddress}`);
    const { rows } = await sql<ContractDto>`
      select ${sql.raw(CONTRACT_COLUMNS)}, a.id as asset_id, a.coingecko_id, a.symbol, a.name
        from asset_contracts c
        join assets a on a.id = c.asset_id
       where ${allOf(filters)}
       order by c.contract_address
       limit ${query.limit + 1}`.execute(this.db());
    return toPage(
      rows,
      query.limit,
      (row) => row,
      (row) => ({ chain: query.chain, contractAddress: row.contract_address }),
    );
  }

  /**
   * Sets `is_tracked`, returning the value it had (read under the row lock, so concurrent changes each
   * see their true predecessor); undefined when the asset does not exist. `updated_at` moves only when
   * the value changes.
   */
  async setTracked(id: string, isTracked: boolean): Promise<TrackedChange | undefined> {
    const { rows } = await sql<{ coingecko_id: string; previous: boolean }>`
      with previous as (select id, is_tracked from assets where id = ${id}::uuid for update)
      update assets a
         set is_tracked = ${isTracked},
             updated_at = case when a.is_tracked = ${isTracked} then a.updated_at else now() end
        from previous
       where a.id = previous.id
   returning a.coingecko_id, previous.is_tracked as previous`.execute(this.db());
    const row = rows[0];
    return row ? { coingeckoId: row.coingecko_id, previous: row.previous } : undefined;
  }
}
