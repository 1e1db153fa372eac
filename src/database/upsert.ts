import type { EntityMetadata, EntitySchema, RequiredEntityData } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { toDate } from './pg-values.js';

export interface UpsertCounts {
  /** Rows that did not exist and were inserted. */
  inserted: number;
  /** Rows that existed with different values and were rewritten. */
  updated: number;
  /** Rows that existed with the same values: not rewritten, no new row version. */
  unchanged: number;
}

export interface UpsertOptions<T> {
  /** The natural key: a unique constraint the rows conflict on. */
  conflictOn: readonly (keyof T & string)[];
  /** Columns compared with `IS DISTINCT FROM` and rewritten when any of them changed. */
  compare: readonly (keyof T & string)[];
  /** Columns set to `now()` when a row is rewritten (e.g. `updatedAt`). */
  touch?: readonly (keyof T & string)[];
  /** Columns to read back (besides the key) for every input row, changed or not — e.g. the generated id. */
  returning?: readonly (keyof T & string)[];
  /** Rows per statement (default 1000). */
  batchSize?: number;
  /** Called after each statement with the totals so far, so a run that fails later still reports what it wrote. */
  onBatch?: (totals: UpsertCounts) => void;
  /** A job's signal: no further batch is written once it fires (timeout, shutdown). */
  signal?: AbortSignal;
  /**
   * The table is partitioned. PostgreSQL refuses system columns such as `xmax` in the RETURNING of a partitioned
   * table, so inserts are told apart by which keys existed before the statement (a CTE of the same statement,
   * so the same snapshot). A row a concurrent writer inserts meanwhile is then counted as inserted, not updated.
   */
  partitioned?: boolean;
}

/** What a write repository's caller passes per call: the job's signal and the per-batch totals callback. */
export type WriteOptions = Pick<UpsertOptions<object>, 'signal' | 'onBatch'>;

export interface UpsertResult extends UpsertCounts {
  /** Input rows that shared a natural key with a later row and were merged into it before writing. */
  merged: number;
  /** Key + `returning` columns of every written row, keyed by property name, as PostgreSQL's text. */
  rows: Record<string, unknown>[];
}

type Row = Record<string, unknown>;

interface Column {
  property: string;
  name: string;
  /** PostgreSQL type of the column, for the `unnest($n::type[])` cast. */
  type: string;
}

const DEFAULT_BATCH_ROWS = 1000;
const PG_TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?[+-]\d\d(:\d\d)?$/;

/**
 * Batch upsert on a natural key with true counts — the one write path of every collector.
 *
 * Per batch, one statement on MikroORM's Kysely (so it joins the EntityManager's transaction, if any):
 *
 *   INSERT INTO t (cols) SELECT * FROM unnest($1::type[], …)
 *   ON CONFLICT (key) DO UPDATE SET … WHERE (t.cols) IS DISTINCT FROM (excluded.cols)
 *   RETURNING key, …, (xmax = 0)
 *
 * Column names and types come from the entity metadata. Values travel as one array parameter per column
 * (not one parameter per value, nor values spliced into the SQL text), so a batch costs PostgreSQL one
 * short statement to parse whatever its size, stays far below the 65535-parameter limit, and nothing
 * is hydrated into entities. PostgreSQL says what happened to each row: `xmax = 0` marks an insert, any
 * other returned row was updated, and a row the WHERE guard kept is not returned at all — it was not
 * rewritten and got no new row version.
 *
 * Rows sharing a natural key are merged first (the later row wins): PostgreSQL refuses to update one
 * row twice in one `INSERT … ON CONFLICT`, and real data does that — a coin seen on two
 * `/coins/markets` pages, one contract listed in two letter cases. Callers that must pick the winner
 * by another rule resolve those duplicates before calling.
 */
export async function upsertMany<T extends object>(
  em: EntityManager,
  entity: EntitySchema<T>,
  input: readonly RequiredEntityData<T>[],
  options: UpsertOptions<T>,
): Promise<UpsertResult> {
  const meta = em.getMetadata().get<T>(entity.meta.class);
  const keyOf = (row: Row): string =>
    JSON.stringify(options.conflictOn.map((property) => keyPart(row[property])));

  const unique = new Map<string, Row>();
  for (const row of input as readonly Row[]) {
    const key = keyOf(row);
    unique.delete(key); // re-inserting keeps the later row's position
    unique.set(key, row);
  }
  const rows = [...unique.values()];
  const totals: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  const written: Row[] = [];
  const result = (): UpsertResult => ({ ...totals, merged: input.length - rows.length, rows: written });
  if (rows.length === 0) return result();

  const properties = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const columns = properties.map((property) => columnOf(meta, property));
  const byProperty = new Map(columns.map((column) => [column.property, column]));
  const column = (property: string): Column => byProperty.get(property) ?? columnOf(meta, property);
  const returned = [...options.conflictOn, ...(options.returning ?? [])].map(column);
  const kysely = em.getKysely<unknown>();
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_ROWS);

  const table = sql.table(meta.tableName);
  const statement = (batch: readonly Row[]): RawBuilder<Row> => {
    const arrays = columns.map(
      (c) => sql`${sql.val(batch.map((row) => toParameter(row[c.property])))}::${sql.raw(c.type)}[]`,
    );
    const compared = options.compare.map((property) => column(property).name);
    const assignments = [
      ...compared.map((name) => sql`${sql.id(name)} = excluded.${sql.id(name)}`),
      ...(options.touch ?? []).map((property) => sql`${sql.id(column(property).name)} = now()`),
    ];
    const current = sql.join(compared.map((name) => sql`${table}.${sql.id(name)}`));
    const incoming = sql.join(compared.map((name) => sql`excluded.${sql.id(name)}`));
    const keyNames = options.conflictOn.map((property) => sql.id(column(property).name));
    const insert = sql`insert into ${table} (${sql.join(columns.map((c) => sql.id(c.name)))})
      select * from unnest(${sql.join(arrays)})
      on conflict (${sql.join(keyNames)})
      do update set ${sql.join(assignments)}
      where (${current}) is distinct from (${incoming})
      returning ${sql.join(returned.map((c) => sql`${sql.id(c.name)}::text as ${sql.id(c.property)}`))}`;
    if (!options.partitioned) return sql<Row>`${insert}, (xmax = 0) as "__inserted"`;
    const keyColumns = options.conflictOn.map(column);
    const keyArrays = keyColumns.map(
      (c) => sql`${sql.val(batch.map((row) => toParameter(row[c.property])))}::${sql.raw(c.type)}[]`,
    );
    const priorKey = sql.join(keyColumns.map((c) => sql`p.${sql.id(c.name)}::text`));
    const writtenKey = sql.join(keyColumns.map((c) => sql`w.${sql.id(c.property)}`));
    return sql<Row>`with prior as (
        select ${sql.join(keyColumns.map((c) => sql`t.${sql.id(c.name)}`))} from ${table} t
         where (${sql.join(keyColumns.map((c) => sql`t.${sql.id(c.name)}`))}) in (select * from unnest(${sql.join(keyArrays)}))
      ), written as (${insert})
      select w.*, not exists (select 1 from prior p where (${priorKey}) = (${writtenKey})) as "__inserted"
        from written w`;
  };

  for (let offset = 0; offset < rows.length; offset += batchSize) {
    options.signal?.throwIfAborted();
    const batch = rows.slice(offset, offset + batchSize);
    const { rows: changed } = await statement(batch).execute(kysely);
    let inserted = 0;
    for (const row of changed) {
      if (row.__inserted === true) inserted += 1;
      if (options.returning) {
        delete row.__inserted;
        written.push(row);
      }
    }
    totals.inserted += inserted;
    totals.updated += changed.length - inserted;
    totals.unchanged += batch.length - changed.length;
    if (options.returning && changed.length < batch.length) {
      written.push(
        ...(await readBack(kysely, meta.tableName, batch, changed, options.conflictOn.map(column), returned)),
      );
    }
    options.onBatch?.({ ...totals });
  }
  return result();
}

/** Key + `returning` columns of the batch rows the upsert left unchanged (and so did not return). */
async function readBack(
  kysely: Kysely<unknown>,
  tableName: string,
  batch: readonly Row[],
  changed: readonly Row[],
  key: readonly Column[],
  returned: readonly Column[],
): Promise<Row[]> {
  const seen = new Set(changed.map((row) => JSON.stringify(key.map((c) => keyPart(row[c.property])))));
  const missing = batch.filter((row) => !seen.has(JSON.stringify(key.map((c) => keyPart(row[c.property])))));
  if (missing.length === 0) return [];
  const { rows } =
    await sql<Row>`select ${sql.join(returned.map((c) => sql`t.${sql.id(c.name)}::text as ${sql.id(c.property)}`))}
      from ${sql.table(tableName)} t
      join unnest(${sql.join(key.map((c) => sql`${sql.val(missing.map((row) => toParameter(row[c.property])))}::${sql.raw(c.type)}[]`))})
        as k(${sql.join(key.map((_, i) => sql.id(`k${i}`)))})
        on ${sql.join(
          key.map((c, i) => sql`t.${sql.id(c.name)} = k.${sql.id(`k${i}`)}`),
          sql` and `,
        )}`.execute(kysely);
  return rows;
}

function columnOf<T>(meta: EntityMetadata<T>, property: string): Column {
  const properties = meta.properties as Record<
    string,
    { fieldNames?: string[]; columnTypes?: string[] } | undefined
  >;
  const prop = properties[property];
  const name = prop?.fieldNames?.[0];
  const type = prop?.columnTypes?.[0];
  if (!name || !type) throw new Error(`${meta.className} has no column for property ${property}`);
  // Drop a length/precision (`varchar(255)`, `timestamptz(6)`): the array cast only needs the base type.
  return { property, name, type: type.replace(/\(.*\)$/, '') };
}

/** Values as pg sends them inside an array parameter: instants as ISO text, a related entity as its id. */
function toParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object' && 'id' in value) return value.id;
  return value;
}

/** Keys compare by value: instants by their ISO form (whatever text PostgreSQL or JavaScript wrote), the rest as text. */
function keyPart(value: unknown): string {
  const parameter = toParameter(value);
  if (typeof parameter === 'string' && PG_TIMESTAMP.test(parameter)) return toDate(parameter).toISOString();
  if (typeof parameter === 'string' && /^\d{4}-\d\d-\d\dT/.test(parameter))
    return new Date(parameter).toISOString();
  return String(parameter);
}
