import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { spawnSource } from '../support/service-process.js';

const MIGRATIONS_DIR = join(import.meta.dirname, '..', '..', 'migrations');
const MIGRATIONS = readdirSync(MIGRATIONS_DIR)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, ''))
  .sort();

/** `npm run migration:*` runs this CLI (compiled); here it runs from source against a throw-away database. */
describe('the migration CLI', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    // A failing `create` writes a migration; it must not reach the other specs' databases.
    for (const file of readdirSync(MIGRATIONS_DIR)) {
      if (file.includes('nothing_to_do')) rmSync(join(MIGRATIONS_DIR, file));
    }
    await db?.drop();
  });

  const cli = async (...args: string[]) => {
    const run = spawnSource('src/database/migration.cli.ts', args, { DATABASE_URL: db.url });
    return { code: await run.exited, output: run.output() };
  };

  it('lists, applies, finds nothing left, and has nothing to create when the entities match', async () => {
    const pending = await cli('pending');
    expect(pending.code).toBe(0);
    for (const name of MIGRATIONS) expect(pending.output).toContain(name);

    const up = await cli('up');
    expect(up.code).toBe(0);
    expect(up.output).toContain(`Applied: ${MIGRATIONS.join(', ')}`);
    const applied = await db.query<{ name: string }>(`select name from mikro_orm_migrations order by name`);
    expect(applied.map((row) => row.name)).toEqual(MIGRATIONS);

    expect((await cli('pending')).output).toContain('No pending migrations');
    const create = await cli('create', 'nothing_to_do');
    expect(create.code).toBe(0);
    expect(create.output, create.output).toContain('The entities match the database: no migration needed');
  }, 120_000);

  it('explains its usage and exits 2 on an unknown command', async () => {
    const result = await cli('sideways');
    expect(result.code).toBe(2);
    expect(result.output).toContain('usage: npm run migration:<up|down|pending|create>');
  }, 60_000);
});
