import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';

/**
 * Base of the repositories that speak typed Kysely `sql` templates (and `upsertMany`). Each call works
 * on a fork of the EntityManager: these queries hydrate no entities, so they need no identity map, and
 * the global context is off by design.
 */
@Injectable()
export abstract class SqlRepository {
  constructor(protected readonly orm: MikroORM) {}

  protected em() {
    return this.orm.em.fork();
  }

  protected db(): Kysely<unknown> {
    return this.em().getKysely<unknown>();
  }
}
