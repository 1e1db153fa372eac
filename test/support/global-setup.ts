import pg from 'pg';
import type { TestProject } from 'vitest/node';

/** What the workers connect to: a PostgreSQL server (one fresh database per test file) or, without one, PGlite. */
export interface TestDatabaseTarget {
  mode: 'server' | 'pglite';
  url: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase: TestDatabaseTarget;
  }
}

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function serverAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default async function setup(project: TestProject): Promise<void> {
  if (process.env.TEST_DATABASE === 'embedded') {
    process.stdout.write(
      '[tests] TEST_DATABASE=embedded: using embedded PGlite (one instance per test file)\n',
    );
    project.provide('testDatabase', { mode: 'pglite', url: '' });
    return;
  }
  const url = process.env.TEST_DATABASE_URL || DEFAULT_URL;
  const safeUrl = url.replace(/:[^:@/]*@/, ':***@');
  if (await serverAnswers(url)) {
    process.stdout.write(`[tests] using PostgreSQL at ${safeUrl} (a throw-away database per test file)\n`);
    project.provide('testDatabase', { mode: 'server', url });
  } else {
    process.stdout.write(
      `[tests] no PostgreSQL answers at ${safeUrl}; falling back to embedded PGlite (one instance per test file)\n`,
    );
    project.provide('testDatabase', { mode: 'pglite', url: '' });
  }
}
