import type { EntityMetadata } from '@mikro-orm/core';
import { sql, type Kysely } from 'kysely';
import type { UpsertOptions } from './upsert.js';

/*
 * The per-entity half of upsertMany (upsert.ts): what does not change from call to call is worked out once and
 * kept, and the per-call half only fills arrays.
 */

type Row = Record<string, unknown>;

export interface Column {
  property: string;
  name: string;
  /** PostgreSQL type of the column, for the `unnest($n::type[])` cast. */
  type: string;
}

/** One array per column, each value as pg sends it, in one pass over the rows. */
export function columnArrays(rows: readonly Row[], columns: readonly Column[]): unknown[][] {
  const arrays = columns.map(() => new Array<unknown>(rows.length));
  const count = columns.length;
  let lastDate: Date | undefined;
  let lastTime = Number.NaN;
  let lastIso = '';
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index];
    for (let c = 0; c < count; c += 1) {
      const value = row[columns[c].property];
      if (value instanceof Date) {
        // The rows of a call mostly share one instant (a price slot): it is formatted once.
        if (value !== lastDate || value.getTime() !== lastTime) {
          lastDate = value;
          lastTime = value.getTime();
          lastIso = value.toISOString();
        }
        arrays[c][index] = lastIso;
      } else {
        arrays[c][index] = toParameter(value);
      }
    }
  }
  return arrays;
}

/**
 * What is per entity and call shape, not per call: the columns, and the statement's text with which column array
 * goes to each of its parameters. Built once by compiling the statement over placeholder values.
 */
export interface Plan {
  columns: Column[];
  keyColumns: Column[];
  returned: Column[];
  text: string;
  /** For the statement's `$n`, the index in `columns` of the array it takes. */
  slots: number[];
}

/** A placeholder compiled in a column array's place; the compiled parameters then say where each array goes. */
class Slot {
  constructor(readonly index: number) {}
}

const PLANS = new WeakMap<object, Map<string, Plan>>();

export function planOf<T>(
  meta: EntityMetadata<T>,
  properties: readonly string[],
  options: UpsertOptions<T>,
  kysely: Kysely<unknown>,
): Plan {
  const shape = JSON.stringify([
    properties,
    options.conflictOn,
    options.compare,
    options.touch ?? [],
    options.returning ?? [],
    options.partitioned === true,
  ]);
  let plans = PLANS.get(meta);
  if (!plans) PLANS.set(meta, (plans = new Map<string, Plan>()));
  const known = plans.get(shape);
  if (known) return known;

  const columns = properties.map((property) => columnOf(meta, property));
  const byProperty = new Map(columns.map((column, index) => [column.property, index]));
  const column = (property: string): Column => {
    const index = byProperty.get(property);
    return index === undefined ? columnOf(meta, property) : columns[index];
  };
  const arrayOf = (c: Column) => {
    const index = byProperty.get(c.property);
    if (index === undefined) throw new Error(`${meta.className}: no row sets ${c.property}`);
    return sql`${sql.val(new Slot(index))}::${sql.raw(c.type)}[]`;
  };
  const keyColumns = options.conflictOn.map(column);
  const returned = [...options.conflictOn, ...(options.returning ?? [])].map(column);
  const table = sql.table(meta.tableName);
  const compared = options.compare.map((property) => column(property).name);
  const assignments = [
    ...compared.map((name) => sql`${sql.id(name)} = excluded.${sql.id(name)}`),
    ...(options.touch ?? []).map((property) => sql`${sql.id(column(property).name)} = now()`),
  ];
  const current = sql.join(compared.map((name) => sql`${table}.${sql.id(name)}`));
  const incoming = sql.join(compared.map((name) => sql`excluded.${sql.id(name)}`));
  const keyNames = keyColumns.map((c) => sql.id(c.name));
  const insert = sql`insert into ${table} (${sql.join(columns.map((c) => sql.id(c.name)))})
      select * from unnest(${sql.join(columns.map(arrayOf))})
      on conflict (${sql.join(keyNames)})
      do update set ${sql.join(assignments)}
      where (${current}) is distinct from (${incoming})
      returning ${sql.join(returned.map((c) => sql`${sql.id(c.name)}::text as ${sql.id(c.property)}`))}`;
  const priorKey = sql.join(keyColumns.map((c) => sql`p.${sql.id(c.name)}`));
  const writtenKey = sql.join(keyColumns.map((c) => sql`w.${sql.id(c.property)}`));
  // One key probe per incoming row, in a lateral with a limit so it stays a nested loop: there the row's values
  // are parameters, so only its own partition is probed. As a join or `in`, the planner could hash the incoming
  // keys against a scan of every partition, which grows with the whole history (issue 22's series bench).
  // The prior keys are then one hashed set that each written row looks up.
  const statement = !options.partitioned
    ? sql<Row>`${insert}, (xmax = 0) as "__inserted"`
    : sql<Row>`with prior as (
        select ${sql.join(keyColumns.map((c) => sql`k.${sql.id(c.name)}::text as ${sql.id(c.name)}`))}
          from unnest(${sql.join(keyColumns.map(arrayOf))}) as k(${sql.join(keyNames)})
         cross join lateral (
           select 1 from ${table} t
            where ${sql.join(
              keyColumns.map((c) => sql`t.${sql.id(c.name)} = k.${sql.id(c.name)}`),
              sql` and `,
            )}
            limit 1) e
      ), written as (${insert})
      select w.*, (${writtenKey}) not in (select ${priorKey} from prior p) as "__inserted"
        from written w`;
  const compiled = statement.compile(kysely);
  const slots = compiled.parameters.map((parameter) => {
    if (!(parameter instanceof Slot))
      throw new Error('upsert statement has a parameter that is not a column array');
    return parameter.index;
  });
  const plan: Plan = { columns, keyColumns, returned, text: compiled.sql, slots };
  plans.set(shape, plan);
  return plan;
}

export function columnOf<T>(meta: EntityMetadata<T>, property: string): Column {
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
export function toParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object' && 'id' in value) return value.id;
  return value;
}
