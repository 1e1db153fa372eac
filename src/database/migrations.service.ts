import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import pg from 'pg';
import { DATABASE_CONNECTION, type DatabaseConnection } from './database-connection.js';

/** Key of the advisory lock that serialises migrations when several replicas start together. */
const MIGRATION_LOCK = 'crypto-pocket-butler:migrations';

@Injectable()
export class MigrationsService {
  private readonly logger = new Logger(MigrationsService.name);

  constructor(
    private readonly orm: MikroORM,
    @Inject(DATABASE_CONNECTION) private readonly connection: DatabaseConnection,
  ) {}

  /**
   * Applies pending migrations. Replicas starting together queue on a session-level advisory lock held
   * on a connection of its own, so one applies them and the others then find nothing pending. The lock is
   * not a transaction: on embedded PGlite (one session behind a multiplexer) an open transaction would
   * make every other connection — the migrator's own included — wait for ever, while a session lock
   * there is simply granted (one session, no contender).
   */
  async migrate(): Promise<string[]> {
    const lock = new pg.Client({ connectionString: this.connection.url });
    lock.on('error', (error) =>
      this.logger.warn({ err: error }, `Migration lock connection failed: ${error.message}`),
    );
    await lock.connect();
    try {
      await lock.query('select pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK]);
      const applied = await this.orm.migrator.up();
      const names = applied.map((migration) => migration.name);
      if (names.length > 0) this.logger.log({ migrations: names }, `Applied ${names.length} migration(s)`);
      else this.logger.log('Database schema is up to date');
      return names;
    } finally {
      // Closing the session releases the lock too; unlocking first just frees it sooner.
      await lock.query('select pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK]).catch(() => undefined);
      await lock.end().catch(() => undefined);
    }
  }

  async pending(): Promise<string[]> {
    const pending = await this.orm.migrator.getPending();
    return pending.map((migration) => migration.name);
  }
}
