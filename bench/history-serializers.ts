import type { INestApplication } from '@nestjs/common';
import fastJson, { type ObjectSchema, type Schema } from 'fast-json-stringify';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { JobRunDto } from '../src/jobs/dto/job-views.dto.js';
import { JobRunsReadRepository } from '../src/jobs/history/job-runs.read-repository.js';
import type { RunCursor } from '../src/jobs/history/run-cursor.js';
import { runPageItemsJson, runPagePosition, type RunPageRow } from '../src/jobs/history/run-page.js';
import { toRunView, type RunViewRow } from '../src/jobs/history/run-view.js';
import { median, ms, printTable, sized } from './support.js';

/*
 * Issue 21, item 9: the runs page's writer (src/jobs/history/run-page.ts) against a schema-compiled serializer
 * (fast-json-stringify) and plain JSON.stringify, on the same fifty pages of the seeded history, in this process
 * with no HTTP in between. Each path is timed whole (its query, the driver's parsing of its rows, the JSON) and by
 * part (PostgreSQL and the wire, the driver's parsing, the JSON), so the table also says where a "different page"
 * request's time goes.
 */

const PAGE = 50;
const ROUNDS = sized(20, 2);

const object: Schema = { type: 'object', additionalProperties: true };
// fast-json-stringify's types have no union of types; the compiler takes JSON Schema's list.
const nullableString = { type: ['string', 'null'] } as unknown as Schema;
/** JobRunDto as fast-json-stringify compiles it: the fields in the view's order, free-form jsonb as objects. */
const runSchema: ObjectSchema = {
  type: 'object',
  properties: {
    success: { type: 'boolean' },
    job_name: { type: 'string' },
    duration_ms: { type: 'integer' },
    started_at: { type: 'string' },
    completed_at: nullableString,
    metrics: {
      type: 'object',
      properties: {
        items_processed: { type: 'integer' },
        items_created: { type: 'integer' },
        items_updated: { type: 'integer' },
        items_skipped: { type: 'integer' },
        custom: object,
      },
    },
    error: { type: 'string' },
    run_id: { type: 'string' },
    status: { type: 'string' },
    attempts: { type: 'integer' },
    job_key: { type: 'string' },
    trigger: { type: 'string' },
    scheduled_for: nullableString,
    queued_at: nullableString,
    params: object,
    progress: { anyOf: [object, { type: 'null' }] } as unknown as Schema,
    heartbeat_at: { type: 'string' },
    owner: { type: 'string' },
  },
};
const pageSchema: ObjectSchema = {
  type: 'object',
  properties: { items: { type: 'array', items: runSchema }, next_cursor: nullableString },
};
const compiledPage: (page: { items: JobRunDto[]; next_cursor: string | null }) => string =
  fastJson(pageSchema);

/** The keyset positions of fifty consecutive pages from the newest run back, as an operator pages. */
async function pagePositions(history: JobRunsReadRepository): Promise<(RunCursor | undefined)[]> {
  const positions: (RunCursor | undefined)[] = [undefined];
  while (positions.length < PAGE) {
    const rows = await history.listPage({ limit: PAGE, before: positions.at(-1) });
    if (rows.length < PAGE) break;
    positions.push(runPagePosition(rows[PAGE - 1]));
  }
  return positions;
}

const views = (rows: readonly RunViewRow[], now: number): JobRunDto[] =>
  rows.map((row) => toRunView(row, now));

type PageWork = (before: RunCursor | undefined) => Promise<unknown>;

/**
 * Per page, the median over rounds of each round's mean, for every work. Each round runs every work once in turn,
 * so a load that comes and goes on the machine, or caches warming, weigh on all of them alike.
 */
async function perPage<K extends string>(
  positions: readonly (RunCursor | undefined)[],
  works: Record<K, PageWork>,
): Promise<Record<K, number>> {
  const names = Object.keys(works) as K[];
  const rounds = new Map<K, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const name of names) {
      const started = performance.now();
      for (const before of positions) await works[name](before);
      rounds.get(name)?.push((performance.now() - started) / positions.length);
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(rounds.get(name) ?? [])])) as Record<K, number>;
}

/** The statement `read` sends to PostgreSQL (every pg client of this process goes through the prototype). */
async function statementOf(read: () => Promise<unknown>): Promise<{ text: string; values: unknown[] }> {
  const original = pg.Client.prototype.query;
  let captured: { text: string; values: unknown[] } | undefined;
  // pg's query() has a dozen overloads; only the (text, values) form Kysely uses is read.
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [text, values] = args;
    if (typeof text === 'string' && /job_runs/.test(text))
      captured = { text, values: Array.isArray(values) ? values : [] };
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await read();
  } finally {
    pg.Client.prototype.query = original;
  }
  if (!captured) throw new Error('the read sent no statement on job_runs');
  return captured;
}

/**
 * `read`'s statement sent again on a plain connection that parses nothing (every value stays its text): PostgreSQL's
 * work, its output functions included, and the wire, without the driver's type parsing or the ORM's pool.
 */
async function unparsedMs(url: string, read: () => Promise<unknown>): Promise<number> {
  const statement = await statementOf(read);
  const raw = (value: string): string => value;
  const client = new pg.Client({
    connectionString: url,
    options: '-c jit=off',
    types: { getTypeParser: () => raw },
  });
  await client.connect();
  try {
    const samples: number[] = [];
    for (let i = 0; i < 20 * ROUNDS; i += 1) {
      const started = performance.now();
      await client.query({ text: statement.text, values: statement.values, rowMode: 'array' });
      samples.push(performance.now() - started);
    }
    return median(samples);
  } finally {
    await client.end();
  }
}

export async function serializerBench(app: INestApplication, url: string): Promise<void> {
  const history = app.get(JobRunsReadRepository);
  const positions = await pagePositions(history);
  const now = Date.now();
  const query = (before: RunCursor | undefined) => ({ limit: PAGE + 1, before });

  const pageRows = new Map<RunCursor | undefined, RunPageRow[]>();
  const viewRows = new Map<RunCursor | undefined, RunViewRow[]>();
  for (const before of positions) {
    pageRows.set(before, await history.listPage(query(before)));
    viewRows.set(before, await history.list(query(before)));
  }
  const written = (rows: readonly RunPageRow[]) => runPageItemsJson(rows, Math.min(PAGE, rows.length), now);
  const plain = (rows: readonly RunViewRow[]) =>
    JSON.stringify({ items: views(rows, now), next_cursor: null });
  const compiled = (rows: readonly RunViewRow[]) =>
    compiledPage({ items: views(rows, now), next_cursor: null });
  const t = await perPage(positions, {
    // Whole paths: what each would cost the service per page.
    written: async (before) => written(await history.listPage(query(before))),
    plain: async (before) => plain(await history.list(query(before))),
    compiled: async (before) => compiled(await history.list(query(before))),
    // The parts: the reads alone, then each serializer alone on rows already read.
    pageReads: (before) => history.listPage(query(before)),
    viewReads: (before) => history.list(query(before)),
    writeOnly: async (before) => written(pageRows.get(before) ?? []),
    plainOnly: async (before) => plain(viewRows.get(before) ?? []),
    compiledOnly: async (before) => compiled(viewRows.get(before) ?? []),
  });
  const middle = positions[Math.floor(positions.length / 2)];
  const pageUnparsed = await unparsedMs(url, () => history.listPage(query(middle)));
  const viewUnparsed = await unparsedMs(url, () => history.list(query(middle)));

  // The same bytes, or the comparison is of different work.
  const sample = viewRows.get(positions[0]) ?? [];
  const plainText = JSON.stringify({ items: views(sample, now), next_cursor: null });
  const compiledText = compiledPage({ items: views(sample, now), next_cursor: null });
  if (plainText !== compiledText)
    throw new Error('fast-json-stringify wrote a different page than JSON.stringify');

  const best = Math.min(t.written, t.plain, t.compiled);
  const vsBest = (value: number) => `${(value / best).toFixed(2)}×`;
  printTable(
    `Runs page serializers: ${positions.length} different pages of ${PAGE} runs, in-process, ` +
      `per page (median of ${ROUNDS} rounds); the simplest within 5 % of the best is kept (issue 21 item 9)`,
    [
      'path (per page)',
      'whole',
      'vs best',
      'read (query + driver)',
      'of which PostgreSQL + wire',
      'JSON alone',
    ],
    [
      [
        'run-page.ts (one text per row, written JSON)',
        ms(t.written),
        vsBest(t.written),
        ms(t.pageReads),
        ms(pageUnparsed),
        ms(t.writeOnly),
      ],
      [
        'view columns, toRunView, JSON.stringify',
        ms(t.plain),
        vsBest(t.plain),
        ms(t.viewReads),
        ms(viewUnparsed),
        ms(t.plainOnly),
      ],
      [
        'view columns, toRunView, fast-json-stringify',
        ms(t.compiled),
        vsBest(t.compiled),
        ms(t.viewReads),
        ms(viewUnparsed),
        ms(t.compiledOnly),
      ],
    ],
  );
}
