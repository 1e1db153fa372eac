import pg from 'pg';
import type { TestDatabase } from '../support/database.js';

export interface Captured {
  text: string;
  values: unknown[];
}

/** The statements this process sends to PostgreSQL while `request` runs (every pg client goes through here). */
export async function statementsOf<T>(
  request: () => Promise<T>,
): Promise<{ result: T; statements: Captured[] }> {
  const statements: Captured[] = [];
  const original = pg.Client.prototype.query;
  // pg's query() has a dozen overloads; the capture only reads the (text, values) form Kysely uses.
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first, second] = args;
    if (typeof first === 'string')
      statements.push({ text: first, values: Array.isArray(second) ? second : [] });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    return { result: await request(), statements };
  } finally {
    pg.Client.prototype.query = original;
  }
}

interface PlanNode {
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** The tables and partitions a statement's plan reads (EXPLAIN, nothing run), sorted. */
export async function relationsRead(db: Pick<TestDatabase, 'query'>, statement: Captured): Promise<string[]> {
  const [row] = await db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] | string }>(
    `explain (format json) ${statement.text}`,
    statement.values,
  );
  const raw = row?.['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
  const names = new Set<string>();
  const walk = (node: PlanNode): void => {
    if (node['Relation Name']) names.add(node['Relation Name']);
    node.Plans?.forEach(walk);
  };
  plan.forEach((entry) => walk(entry.Plan));
  return [...names].sort();
}
