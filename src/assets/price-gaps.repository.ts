import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import type { ProviderName } from '../providers/provider-name.js';
import { PriceFlagsWriteRepository } from '../prices-quality/price-flags.write-repository.js';
import { inLatestSnapshot } from './latest-snapshot.js';
import { PriceSources } from './prices/price-sources.js';
import { PricePartitions } from './storage/price-partitions.repository.js';
import { refreshRollups } from './storage/price-rollups.js';

const SOURCE: ProviderName = 'coingecko';

/** A price hole: an expected slot without an `asset_prices` row. */
export interface PriceHole {
  assetId: string;
  slot: Date;
  /** The other providers that have a row at the slot (a fallback row): CoinGecko's row is still missing. */
  otherSources?: string[];
}

/** A price rebuilt from a provider's history (CoinGecko's market chart); amounts are decimal text, as sent. */
export interface RepairedPrice {
  assetId: string;
  timestamp: Date;
  priceUsd: string;
  marketCapUsd: string | null;
  volume24hUsd: string | null;
  /** The price 24 h before, for `change_percent_24h`; null leaves the change unknown. */
  priceDayBefore: string | null;
}

/** Rows per INSERT: ten thousand rows of seven parameters stay far below PostgreSQL's limits. */
const BATCH = 10_000;

/**
 * Holes in the price history and their repair. A hole is judged against `asset_prices` with source
 * `coingecko` from the asset's first stored price on: history from before an asset was tracked is not
 * a hole. Repairs only ever insert (`ON CONFLICT DO NOTHING` on the natural key), so they never change
 * an observed row; the price job's own upsert of a slot later replaces a repaired row as it would any.
 */
@Injectable()
export class PriceGapsRepository {
  constructor(
    private readonly orm: MikroORM,
    private readonly partitions: PricePartitions,
    private readonly flags: PriceFlagsWriteRepository,
    private readonly sources: PriceSources,
  ) {}

  private db(): Kysely<unknown> {
    return this.orm.em.fork().getKysely<unknown>();
  }

  /** The holes of these assets among `slots`, by asset then slot. */
  async holes(assetIds: readonly string[], slots: readonly Date[]): Promise<PriceHole[]> {
    if (assetIds.length === 0 || slots.length === 0) return [];
    const { rows } = await sql<{ asset_id: string; slot_ms: string; other_sources: string[] }>`
      select c.id as asset_id, (extract(epoch from s.slot) * 1000)::bigint::text as slot_ms,
             array(select o.source from asset_prices o
                    where o.asset_id = c.id and o.timestamp = s.slot and o.source <> ${SOURCE}
                    order by o.source) as other_sources
        from unnest(${sql.val([...assetIds])}::uuid[]) as c(id)
        cross join lateral (
          select p.timestamp as first_at from asset_prices p
           where p.asset_id = c.id and p.source = ${SOURCE}
           order by p.timestamp limit 1
        ) f
        join unnest(${sql.val(slots.map((slot) => slot.toISOString()))}::timestamptz[]) as s(slot)
          on s.slot >= f.first_at
       where not exists (
         select 1 from asset_prices p where p.asset_id = c.id and p.timestamp = s.slot and p.source = ${SOURCE}
       )
       order by c.id, s.slot`.execute(this.db());
    return rows.map((row) => ({
      assetId: row.asset_id,
      slot: new Date(Number(row.slot_ms)),
      otherSources: row.other_sources,
    }));
  }

  /** Slots (minute-floored) of `jobKey` runs still queued or running, scheduled at or after `since`. */
  async inProgressSlots(jobKey: string, since: Date): Promise<Date[]> {
    const { rows } = await sql<{ slot_ms: string }>`
      select (extract(epoch from date_trunc('minute', scheduled_for)) * 1000)::bigint::text as slot_ms
        from job_runs
       where job_key = ${jobKey} and status in ('queued', 'running') and scheduled_for >= ${since.toISOString()}::timestamptz`.execute(
      this.db(),
    );
    return rows.map((row) => new Date(Number(row.slot_ms)));
  }

  /**
   * Whether the price job prices this asset: in the top `limit` of the latest ranking snapshot (in the
   * price job's order) or marked `is_tracked`.
   */
  async isPriced(assetId: string, limit: number): Promise<boolean> {
    const { rows } = await sql<{ priced: boolean }>`
      with top as (
        select r.asset_id from asset_rankings r
         where ${inLatestSnapshot('r', this.sources.rankings())}
         order by r.rank, r.asset_id
         limit ${limit}
      )
      select a.is_tracked or exists (select 1 from top where top.asset_id = a.id) as priced
        from assets a where a.id = ${assetId}::uuid`.execute(this.db());
    return rows[0]?.priced ?? false;
  }

  /**
   * Inserts the rows that have no row at their natural key yet and returns how many it inserted. The
   * 24 h change is computed in `numeric` from the two prices' decimal text (no float on the way).
   * `backfilled` marks rows of the history backfill (`asset_prices.backfilled`, docs/decisions.md); `source`
   * is the provider the values came from (CoinGecko unless a fallback provider filled them).
   */
  async insertMissing(
    rows: readonly RepairedPrice[],
    options: { signal?: AbortSignal; backfilled?: boolean; source?: ProviderName } = {},
  ): Promise<number> {
    let inserted = 0;
    await this.partitions.ensureFor(rows.map((row) => row.timestamp));
    for (let start = 0; start < rows.length; start += BATCH) {
      options.signal?.throwIfAborted();
      const batch = rows.slice(start, start + BATCH);
      const { written, flags } = await this.orm.em.fork().transactional(async (tx) => {
        const db = tx.getKysely<unknown>();
        const written = await insertBatch(db, batch, {
          backfilled: options.backfilled ?? false,
          source: options.source ?? SOURCE,
        });
        await refreshRollups(db, written);
        // As in PricesWriteRepository: the points a repair or a backfill inserts are judged with their neighbours.
        return { written, flags: await this.flags.detectInWrite(db, written) };
      });
      this.flags.announce(flags);
      inserted += written.length;
    }
    return inserted;
  }
}

/** Inserts the rows that have no row at their natural key yet; returns the keys it inserted (the rollups' buckets). */
async function insertBatch(
  db: Kysely<unknown>,
  batch: readonly RepairedPrice[],
  { backfilled, source }: { backfilled: boolean; source: ProviderName },
) {
  const column = (pick: (row: RepairedPrice) => string | null) => sql.val(batch.map(pick));
  const { rows } = await sql<{ asset_id: string; timestamp: Date }>`
    insert into asset_prices
      (asset_id, timestamp, source, price_usd, market_cap_usd, volume_24h_usd, change_percent_24h, backfilled)
    select r.asset_id, r.timestamp, ${source}, r.price, r.market_cap, r.volume,
           case when r.price_before is null or r.price_before = 0 then null
                else trim_scale(round((r.price - r.price_before) / r.price_before * 100, 8)) end,
           ${backfilled}
      from unnest(
        ${column((row) => row.assetId)}::uuid[],
        ${column((row) => row.timestamp.toISOString())}::timestamptz[],
        ${column((row) => row.priceUsd)}::numeric[],
        ${column((row) => row.marketCapUsd)}::numeric[],
        ${column((row) => row.volume24hUsd)}::numeric[],
        ${column((row) => row.priceDayBefore)}::numeric[]
      ) as r(asset_id, timestamp, price, market_cap, volume, price_before)
    on conflict (asset_id, timestamp, source) do nothing
    returning asset_id, timestamp`.execute(db);
  return rows.map((row) => ({ assetId: row.asset_id, timestamp: new Date(row.timestamp), source }));
}
