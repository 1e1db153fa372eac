import type { EmbeddedPostgres } from './embedded-postgres.js';

/** Where the ORM connects: the configured server, or the embedded PGlite this process started. */
export interface DatabaseConnection {
  readonly kind: 'external' | 'embedded';
  readonly url: string;
  readonly embedded?: EmbeddedPostgres;
}

export const DATABASE_CONNECTION = Symbol('DATABASE_CONNECTION');
