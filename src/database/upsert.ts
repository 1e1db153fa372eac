import type { EntitySchema, RequiredEntityData } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { toDate } from './pg-values.js';
import { columnArrays, planOf, toParameter, type Column } from './upsert-plan.js';

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
  const rows = mergedByKey(input, options.conflictOn);
  const totals: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  const written: Row[] = [];
  const result = (): UpsertResult => ({ ...totals, merged: input.length - rows.length, rows: written });
  if (rows.length === 0) return result();

  const kysely = em.getKysely<unknown>();
  const plan = planOf(meta, propertiesOf(rows), options, kysely);
  const arrays = columnArrays(rows, plan.columns);
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_ROWS);

  for (let offset = 0; offset < rows.length; offset += batchSize) {
    options.signal?.throwIfAborted();
    const end = Math.min(rows.length, offset + batchSize);
    const whole = offset === 0 && end === rows.length;
    const batchArrays = whole ? arrays : arrays.map((values) => values.slice(offset, end));
    const parameters = plan.slots.map((index) => batchArrays[index]);
    const { rows: changed } = await kysely.executeQuery<Row>(CompiledQuery.raw(plan.text, parameters));
    const batchLength = end - offset;
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
    totals.unchanged += batchLength - changed.length;
    if (options.returning && changed.length < batchLength) {
      const batch = whole ? rows : rows.slice(offset, end);
      written.push(
        ...(await readBack(kysely, meta.tableName, batch, changed, plan.keyColumns, plan.returned)),
      );
    }
    options.onBatch?.({ ...totals });
  }
  return result();
}

/** The input without rows that share a natural key with a later one: the later row wins, in its own position. */
function mergedByKey(input: readonly Row[], conflictOn: readonly string[]): Row[] {
  const at = new Map<string, number>();
  const kept: (Row | undefined)[] = [];
  let merged = 0;
  for (const row of input) {
    const key = keyOf(row, conflictOn);
    const earlier = at.get(key);
    if (earlier !== undefined) {
      kept[earlier] = undefined;
      merged += 1;
    }
    at.set(key, kept.length);
    kept.push(row);
  }
  return merged === 0 ? (kept as Row[]) : kept.filter((row): row is Row => row !== undefined);
}

/** Every property any row sets, in the order they first appear. */
function propertiesOf(rows: readonly Row[]): string[] {
  const properties = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) properties.add(key);
  return [...properties];
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
  const properties = key.map((c) => c.property);
  const seen = new Set(changed.map((row) => keyOf(row, properties)));
  const missing = batch.filter((row) => !seen.has(keyOf(row, properties)));
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

/** A row's natural key as one string (its parts as JSON strings, so no two keys can run together). */
function keyOf(row: Row, properties: readonly string[]): string {
  if (properties.length === 1) return keyPart(row[properties[0]]);
  let key = '';
  for (const property of properties) key += JSON.stringify(keyPart(row[property]));
  return key;
}

/** Keys compare by value: instants by their ISO form (whatever text PostgreSQL or JavaScript wrote), the rest as text. */
function keyPart(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  const parameter = toParameter(value);
  if (typeof parameter === 'string' && PG_TIMESTAMP.test(parameter)) return toDate(parameter).toISOString();
  if (typeof parameter === 'string' && /^\d{4}-\d\d-\d\dT/.test(parameter))
    return new Date(parameter).toISOString();
  return String(parameter);
}
