import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';

/**
 * `DB_STATEMENT_TIMEOUT_MS` is every pooled connection's `statement_timeout`, sent as a startup parameter
 * (PostgreSQL applies it to the session; the embedded server's session queue applies it to the wait for
 * PGlite's one session, see PGliteSessionQueue). A statement that runs, or waits for a lock, longer than
 * that is cancelled with SQLSTATE 57014 (query_canceled): the API answers 503, a job's run fails.
 */
export const QUERY_CANCELED = '57014';

/** What a cancelled statement means to an operator; the API's 503 and a failed run's error say it. */
export const STATEMENT_TIMEOUT_MESSAGE =
  'The database was too slow: a statement ran longer than DB_STATEMENT_TIMEOUT_MS (waiting for a lock or a busy ' +
  'server) and was cancelled';

/** Whether `error` is PostgreSQL's query_canceled, as pg's DatabaseError or MikroORM's DriverException (57014). */
export function isStatementTimeout(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 3; depth++) {
    if (typeof current !== 'object') return false;
    if ((current as { code?: unknown }).code === QUERY_CANCELED) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Runs `work` in one transaction whose statements may each take up to `timeoutMs` instead of
 * `DB_STATEMENT_TIMEOUT_MS` (`SET LOCAL statement_timeout`: it ends with the transaction, so the pooled
 * connection goes back with the shared limit). For a job's few statements known to be long, not a way around
 * the limit for ordinary reads. On embedded PGlite a transaction holds the one session, so its statements
 * wait for nothing and the limit never applies inside it anyway.
 */
export async function withStatementTimeout<T>(
  em: EntityManager,
  timeoutMs: number,
  work: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0)
    throw new Error(`invalid statement timeout ${timeoutMs}`);
  return em.transactional(async (tx) => {
    await sql`select set_config('statement_timeout', ${`${timeoutMs}ms`}, true)`.execute(tx.getKysely());
    return work(tx);
  });
}
