import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { join } from 'node:path';
import { ENTITIES } from './entities.js';
import { projectRoot, runningFromSource } from './project-root.js';

export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

export interface OrmConnection {
  clientUrl: string;
  poolMax: number;
  /**
   * `DB_STATEMENT_TIMEOUT_MS`, sent as each connection's `statement_timeout` startup parameter (see
   * statement-timeout.ts); unset (the migration CLI, tests) = the server's default, no limit.
   */
  statementTimeoutMs?: number;
  /** Called when an idle pooled connection breaks (the server went away); the pool replaces it. */
  onPoolError?: (error: Error) => void;
}

interface PgClientLike {
  on(event: 'error', listener: (error: Error) => void): unknown;
  query(sql: string): Promise<unknown>;
}

interface PgPoolLike {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'connect', listener: (client: PgClientLike) => void): unknown;
}

/** The one MikroORM configuration, shared by the service, the migration CLI, `mikro-orm.config.ts` and tests. */
export function buildOrmOptions(connection: OrmConnection): Options {
  const root = projectRoot();
  return defineConfig({
    clientUrl: connection.clientUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    pool: { min: 0, max: connection.poolMax, idleTimeoutMillis: 30_000 },
    driverOptions: {
      // A startup parameter rather than a `SET` after connecting: in force before the first statement, and
      // visible to the embedded server's session queue, which applies it to the wait for PGlite's one session.
      ...(connection.statementTimeoutMs === undefined
        ? {}
        : { statement_timeout: connection.statementTimeoutMs }),
      // A connection cut by the server (restart, failover, network) emits 'error' — on the pool when
      // the client is idle, on the client itself when it was just checked out. Unheard, either kills
      // the process; heard, the pool drops the client and the query in flight fails on its own.
      onPoolCreated: (pool: PgPoolLike) => {
        pool.on('error', (error) => connection.onPoolError?.(error));
        pool.on('connect', (client) => {
          client.on('error', (error) => connection.onPoolError?.(error));
          // Every query here is an index lookup or a bounded batch: JIT compilation (tens of ms, chosen
          // from row estimates over a large job_runs) would cost more than any of them. Queued before the
          // client's first query; if it fails, the session simply keeps the server's default.
          client.query('set jit = off').catch(() => undefined);
        });
      },
    },
    // asset_prices is partitioned by month, and its partitions are created at run time (PricePartitions): no entity
    // can list them, so the schema comparison leaves this one table to its migrations and their spec.
    schemaGenerator: { skipTables: ['asset_prices'] },
    // Requests and jobs always work on a fork; touching the global context is a bug we want to see.
    allowGlobalContext: false,
    ensureDatabase: false,
    debug: false,
    preferTs: runningFromSource,
    baseDir: root,
    migrations: {
      tableName: MIGRATIONS_TABLE,
      path: join(root, 'dist', 'migrations'),
      pathTs: join(root, 'migrations'),
      glob: '!(*.d).{js,ts}',
      transactional: true,
      allOrNothing: true,
      // Diff against the migrated database, not a snapshot file: one source of truth, reviewed in git.
      snapshot: false,
      emit: 'ts',
      silent: true,
    },
  });
}
