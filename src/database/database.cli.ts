import pg from 'pg';
import { readEnvironment } from '../config/environment.js';
import { EmbeddedPostgres } from './embedded-postgres.js';

/*
 * `npm run -s db:url` prints the connection URL of the database the service uses, for psql and other
 * tools; `npm run -s db:query -- "<sql>"` runs one statement there and prints its rows as JSON lines, for a
 * machine with Node but no psql. The database is DATABASE_URL when set, else the embedded server running in
 * DATA_DIR (default ./.data; the demo's is ./.data/demo). Both exit 1 with a reason when no embedded server
 * runs there, so that nothing silently connects to whatever answers on port 5432.
 */
function databaseUrl(): string | undefined {
  const env = readEnvironment();
  if (env.DATABASE_URL?.trim()) return env.DATABASE_URL.trim();
  const dataDir = env.DATA_DIR?.trim() || './.data';
  const running = EmbeddedPostgres.runningIn(dataDir);
  if (running) return running.url;
  process.stderr.write(
    `no embedded database is running in ${dataDir} (start the service or the demo first; the demo's is DATA_DIR=.data/demo)\n`,
  );
  return undefined;
}

async function main(args: string[]): Promise<number> {
  const [command, sql, ...rest] = args;
  if (command !== 'url' && !(command === 'query' && sql && rest.length === 0)) {
    process.stderr.write('usage: npm run -s db:url | npm run -s db:query -- "<one SQL statement>"\n');
    return 2;
  }
  const url = databaseUrl();
  if (!url) return 1;
  if (command === 'url') {
    process.stdout.write(`${url}\n`);
    return 0;
  }
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const result = await client.query<Record<string, unknown>>(sql);
    for (const row of result.rows) process.stdout.write(`${JSON.stringify(row)}\n`);
    process.stderr.write(
      `(${result.rowCount ?? result.rows.length} row${result.rowCount === 1 ? '' : 's'})\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await client.end().catch(() => undefined);
  }
}

process.exitCode = await main(process.argv.slice(2));
