import type { MigrationInfo } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';

/** Key of the advisory lock that serialises migrations when several replicas start together. */
const MIGRATION_LOCK = 'crypto-pocket-butler:migrations';

@Injectable()
export class MigrationsService {
  private readonly logger = new Logger(MigrationsService.name);

  constructor(private readonly orm: MikroORM) {}

  /**
   * Applies pending migrations. Replicas starting together queue on an advisory lock held for the
   * migration transaction, so one applies and the others then find nothing pending. `exclusive` (the
   * embedded database, which only this process can open) skips the lock: PGlite is a single session,
   * and the migrator's own bookkeeping queries would wait behind the lock-holding transaction forever.
   */
  async migrate(options: { exclusive: boolean }): Promise<string[]> {
    const applied: MigrationInfo[] = options.exclusive
      ? await this.orm.migrator.up()
      : await this.orm.em.fork().transactional(async (em) => {
          await em.execute('select pg_advisory_xact_lock(hashtext(?))', [MIGRATION_LOCK]);
          // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- MikroORM types the driver's transaction handle as any
          return this.orm.migrator.up({ transaction: em.getTransactionContext() });
        });
    const names = applied.map((migration) => migration.name);
    if (names.length > 0) this.logger.log({ migrations: names }, `Applied ${names.length} migration(s)`);
    else this.logger.log('Database schema is up to date');
    return names;
  }

  async pending(): Promise<string[]> {
    const pending = await this.orm.migrator.getPending();
    return pending.map((migration) => migration.name);
  }
}
