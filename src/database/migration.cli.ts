import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { join } from 'node:path';
import { readEnvironment } from '../config/environment.js';
import { ConfigValidationError, parseEnv } from '../config/env.schema.js';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { withMigrationLock } from './migrations.service.js';
import { buildOrmOptions } from './orm-options.js';
import { projectRoot } from './project-root.js';
import { redactUrl } from './redact-url.js';

/* eslint-disable no-console -- a command-line tool talks to its terminal */

const USAGE = `usage: npm run migration:<up|down|pending|create> [-- <name>]
  up       apply every pending migration
  down     revert the last applied migration
  pending  list migrations not applied yet
  create   write migrations/Migration<timestamp>_<name>.ts from the difference between the entities and the database`;

/**
 * Migration commands against the configured database. Without DATABASE_URL it uses the embedded
 * database: through the running service's server when one is up (so the CLI never opens PGlite's files
 * twice), or by starting the embedded server for the duration of the command.
 */
async function main(): Promise<number> {
  const [command, name] = process.argv.slice(2);
  if (!command || !['up', 'down', 'pending', 'create'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const config = parseEnv(readEnvironment());
  let embedded: EmbeddedPostgres | undefined;
  let url = config.database.url;
  if (!url) {
    const running = EmbeddedPostgres.runningIn(config.database.dataDir);
    if (running) {
      url = running.url;
      console.log(`Using the embedded database of the running service (pid ${running.pid})`);
    } else {
      embedded = await EmbeddedPostgres.start({ dataDir: config.database.dataDir });
      url = embedded.url;
      console.log(`Using the embedded database in ${embedded.dataDir}`);
    }
  } else {
    console.log(`Using ${redactUrl(url)}`);
  }

  const orm = await MikroORM.init(buildOrmOptions({ clientUrl: url, poolMax: 1 }));
  try {
    const migrator = orm.migrator;
    switch (command) {
      case 'up': {
        const applied = await withMigrationLock(url, () => migrator.up());
        console.log(
          applied.length ? `Applied: ${applied.map((m) => m.name).join(', ')}` : 'Nothing to apply',
        );
        break;
      }
      case 'down': {
        const reverted = await withMigrationLock(url, () => migrator.down());
        console.log(
          reverted.length ? `Reverted: ${reverted.map((m) => m.name).join(', ')}` : 'Nothing to revert',
        );
        break;
      }
      case 'pending': {
        const pending = await migrator.getPending();
        console.log(pending.length ? pending.map((m) => m.name).join('\n') : 'No pending migrations');
        break;
      }
      case 'create': {
        const pending = await migrator.getPending();
        if (pending.length > 0) {
          console.error(
            `Apply the pending migrations first (npm run migration:up): ${pending.map((m) => m.name).join(', ')}`,
          );
          return 1;
        }
        const result = await migrator.create(join(projectRoot(), 'migrations'), false, false, name);
        if (!result.fileName) console.log('The entities match the database: no migration needed');
        else console.log(`Created migrations/${result.fileName}; review it, then run npm run migration:up`);
        break;
      }
    }
    return 0;
  } finally {
    await orm.close(true);
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigValidationError) console.error(error.message);
    else console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
