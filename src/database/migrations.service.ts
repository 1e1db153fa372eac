import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { sql } from 'kysely';
import pg from 'pg';
import { DATABASE_CONNECTION, type DatabaseConnection } from './database-connection.js';

/** Key of the advisory lock that serialises migrations when several replicas start together. */
const MIGRATION_LOCK = 'crypto-pocket-butler:migrations';

/**
 * Runs `work` holding the migration lock: a session-level advisory lock on a connection of its own, so
 * replicas (and `npm run migration:*`) starting together take turns. It is not a transaction: on embedded
 * PGlite (one session behind a multiplexer) an open transaction would make every other connection — the
 * migrator's own included — wait for ever, while a session lock there is simply granted.
 */
export async function withMigrationLock<T>(
  url: string,
  work: () => Promise<T>,
  onError?: (error: Error) => void,
): Promise<T> {
  const lock = new pg.Client({ connectionString: url });
  lock.on('error', (error) => onError?.(error));
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK]);
    return await work();
  } finally {
    // Closing the session releases the lock too; unlocking first just frees it sooner.
    await lock.query('select pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}

@Injectable()
export class MigrationsService {
  private readonly logger = new Logger(MigrationsService.name);

  constructor(
    private readonly orm: MikroORM,
    @Inject(DATABASE_CONNECTION) private readonly connection: DatabaseConnection,
  ) {}

  /** Applies pending migrations under the migration lock; the replicas that wait find nothing pending. */
  async migrate(): Promise<string[]> {
    const applied = await withMigrationLock(
      this.connection.url,
      () => this.upWithoutStatementTimeout(),
      (error) => this.logger.warn({ err: error }, `Migration lock connection failed: ${error.message}`),
    );
    const names = applied.map((migration) => migration.name);
    if (names.length > 0) this.logger.log({ migrations: names }, `Applied ${names.length} migration(s)`);
    else this.logger.log('Database schema is up to date');
    return names;
  }

  /**
   * A migration may rewrite a large table (e.g. partitioning `asset_prices`): it runs in one transaction with
   * `statement_timeout` off, so DB_STATEMENT_TIMEOUT_MS, meant for reads and job statements, cannot stop start-up.
   */
  private async upWithoutStatementTimeout(): Promise<Array<{ name: string }>> {
    if ((await this.orm.migrator.getPending()).length === 0) return [];
    return this.orm.em.fork().transactional(async (tx) => {
      await sql`select set_config('statement_timeout', '0', true)`.execute(tx.getKysely());
      // MikroORM types a transaction handle as `any` (each driver has its own); it is passed on untouched.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
      return this.orm.migrator.up({ transaction: tx.getTransactionContext() });
    });
  }

  async pending(): Promise<string[]> {
    const pending = await this.orm.migrator.getPending();
    return pending.map((migration) => migration.name);
  }
}
