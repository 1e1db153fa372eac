import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { SqlRepository } from '../../database/sql-repository.js';
import { monthNamed, monthsOf, type PriceMonth } from './price-months.js';

/** Serialises partition creation across replicas: `CREATE TABLE IF NOT EXISTS … PARTITION OF` alone can still race. */
const PARTITION_LOCK = 'crypto-pocket-butler:asset_prices partitions';

/** How complete the rollups are for one raw month: buckets with raw rows that no rollup row counts exactly. */
export interface MonthCoverage {
  rawRows: number;
  missingHourly: number;
  missingDaily: number;
}

/**
 * The monthly partitions of `asset_prices`: created ahead of need and on demand, listed, and dropped whole.
 * There is no default partition, so a row can only land in its month's partition; every writer calls
 * `ensureMonths` for the months it writes before it writes (one catalog lookup when they exist).
 */
@Injectable()
export class PricePartitions extends SqlRepository {
  /** Creates the partitions of the months holding `instants` that do not exist yet; returns the names created. */
  ensureFor(instants: Iterable<Date>): Promise<string[]> {
    return this.ensureMonths(monthsOf(instants));
  }

  async ensureMonths(months: readonly PriceMonth[]): Promise<string[]> {
    if (months.length === 0) return [];
    const db = this.db();
    if ((await missing(db, months)).length === 0) return [];
    return this.em().transactional(async (tx) => {
      const kysely = tx.getKysely<unknown>();
      await sql`select pg_advisory_xact_lock(hashtext(${PARTITION_LOCK}))`.execute(kysely);
      // Looked up again under the lock: another replica may have created some while this one waited.
      const absent = await missing(kysely, months);
      for (const month of absent) {
        await sql`create table if not exists ${sql.table(month.name)} partition of asset_prices
          for values from (${sql.lit(month.from.toISOString())}) to (${sql.lit(month.to.toISOString())})`.execute(
          kysely,
        );
      }
      return absent.map((month) => month.name);
    });
  }

  /** The monthly partitions that exist, oldest first. */
  async list(): Promise<PriceMonth[]> {
    const { rows } = await sql<{ name: string }>`
      select c.relname as name from pg_inherits i
        join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'asset_prices'::regclass`.execute(this.db());
    return rows
      .map((row) => monthNamed(row.name))
      .filter((month): month is PriceMonth => month !== undefined)
      .sort((a, b) => a.from.getTime() - b.from.getTime());
  }

  /** Whether both rollups hold every bucket of a raw month with the same number of raw rows. */
  async coverage(month: PriceMonth): Promise<MonthCoverage> {
    const table = sql.table(month.name);
    const { rows } = await sql<MonthCoverage>`
      with hours as (
        select asset_id, date_trunc('hour', timestamp, 'UTC') as bucket, source, count(*)::int as n
          from ${table} group by 1, 2, 3
      ),
      days as (
        select asset_id, date_trunc('day', bucket, 'UTC') as bucket, source, sum(n)::int as n
          from hours group by 1, 2, 3
      )
      select (select coalesce(sum(n), 0)::int from hours) as "rawRows",
             (select count(*)::int from hours x left join asset_prices_hourly r
                 on r.asset_id = x.asset_id and r.bucket = x.bucket and r.source = x.source
               where r.points is distinct from x.n) as "missingHourly",
             (select count(*)::int from days x left join asset_prices_daily r
                 on r.asset_id = x.asset_id and r.bucket = x.bucket and r.source = x.source
               where r.points is distinct from x.n) as "missingDaily"`.execute(this.db());
    return rows[0];
  }

  /**
   * Detaches a month's partition and drops it, in one short transaction: the rows go with the table (no DELETE,
   * no vacuum debt). Returns how many rows it held.
   */
  async drop(month: PriceMonth): Promise<number> {
    return this.em().transactional(async (tx) => {
      const kysely = tx.getKysely<unknown>();
      const table = sql.table(month.name);
      await sql`alter table asset_prices detach partition ${table}`.execute(kysely);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${table}`.execute(kysely);
      await sql`drop table ${table}`.execute(kysely);
      return rows[0]?.n ?? 0;
    });
  }
}

async function missing(db: Kysely<unknown>, months: readonly PriceMonth[]): Promise<PriceMonth[]> {
  const { rows } = await sql<{ name: string }>`
    select name from unnest(${sql.val(months.map((month) => month.name))}::text[]) as name
     where to_regclass(name) is null`.execute(db);
  const absent = new Set(rows.map((row) => row.name));
  return months.filter((month) => absent.has(month.name));
}
