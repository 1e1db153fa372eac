import { MikroORM } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildOrmOptions } from '../src/database/orm-options.js';

export const BENCH_DATABASE_URL =
  process.env.BENCH_DATABASE_URL ||
  process.env.TEST_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * `--size=tiny`: every benchmark at a size that only proves it runs to the end (test/bench/all-benchmarks.e2e-spec.ts);
 * its figures mean nothing.
 */
export const isTiny = (): boolean =>
  process.argv.includes('--size=tiny') || process.env.BENCH_SIZE === 'tiny';

/** `full` at the benchmark's real size, `tiny` under `--size=tiny`. */
export const sized = <T>(full: T, tiny: T): T => (isTiny() ? tiny : full);

export interface BenchDatabase {
  url: string;
  orm: MikroORM;
  pool: pg.Pool;
  /**
   * Registers what else holds connections to this database (an app, extra ORMs, a fake server): drop() closes them,
   * newest first, before its own ORM and pool, so no pool is left with a client when the database goes.
   */
  closeBeforeDrop(close: () => Promise<unknown>): void;
  drop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A throw-away, migrated database on the benchmark server; dropped afterwards. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `cpb_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(BENCH_DATABASE_URL);
  url.pathname = `/${name}`;
  const closers: (() => Promise<unknown>)[] = [];
  const orm = await MikroORM.init(buildOrmOptions({ clientUrl: url.toString(), poolMax: 4 }));
  closers.push(() => orm.close(true));
  await orm.migrator.up();
  // The session settings of the service's pool (orm-options.ts turns JIT off), so raw baselines run as it does.
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2, options: '-c jit=off' });
  // An idle client cut by the server emits 'error' on its pool, which kills the process when nobody listens.
  pool.on('error', (error) => console.error(`bench pool of ${name}: ${error.message}`));
  closers.push(() => pool.end());
  return {
    url: url.toString(),
    orm,
    pool,
    closeBeforeDrop: (close) => void closers.push(close),
    drop: async () => {
      for (const close of closers.reverse()) await close();
      const client = new pg.Client({ connectionString: BENCH_DATABASE_URL });
      await client.connect();
      try {
        // A pool's end() resolves before its sockets close: give the closing sessions a moment to go. A session
        // still there after that belongs to a pool nobody closed, which `with (force)` would cut under it (57P01).
        let open: { pid: number; application_name: string; state: string | null }[] = [];
        for (let wait = 0; wait < 100; wait++) {
          ({ rows: open } = await client.query<{
            pid: number;
            application_name: string;
            state: string | null;
          }>(`select pid, application_name, state from pg_stat_activity where datname = $1`, [name]));
          if (open.length === 0) break;
          await sleep(20);
        }
        await client.query(`drop database if exists "${name}" with (force)`);
        if (open.length > 0) {
          const sessions = open.map((s) => `pid ${s.pid} ${s.state ?? '?'} ${s.application_name}`).join(', ');
          throw new Error(
            `${open.length} connection(s) to ${name} were still open when it was dropped: ${sessions}`,
          );
        }
      } finally {
        await client.end();
      }
    },
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: string[]): string => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of cells.slice(1)) console.log(line(row));
}

export const ms = (value: number): string => `${value.toFixed(2)} ms`;
