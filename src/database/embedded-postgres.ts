import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGliteSessionQueue, type SocketQueryQueue } from './pglite-session-queue.js';
import { loadTemplate } from './pglite-template.js';

export interface EmbeddedPostgresOptions {
  /** Folder of the service's data; the database lives in `<dataDir>/pglite`. */
  dataDir: string;
  /** Port for the wire-protocol server; 0 picks a free one. Bound to 127.0.0.1 only. */
  port?: number;
  /** How many client connections the multiplexer accepts (the ORM pool, the CLI, psql, …). */
  maxConnections?: number;
}

interface LockFile {
  pid: number;
  port: number;
  startedAt: string;
}

/** Thrown when another live process already serves the same data folder. */
export class EmbeddedDatabaseBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockFile,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by process ${owner.pid} (listening on 127.0.0.1:${owner.port}); ` +
        `stop that process, or set DATABASE_URL to use a PostgreSQL server`,
    );
    this.name = 'EmbeddedDatabaseBusyError';
  }
}

/**
 * PostgreSQL without installing PostgreSQL: PGlite (Postgres compiled to WebAssembly) persisted in
 * `<dataDir>/pglite`, served on a loopback port through pglite-socket so that the ORM's `pg` pool (and
 * psql, while the service runs) connect to it like to any server. PGlite is one session; the socket
 * server multiplexes connections onto it one exchange (or transaction) at a time (`PGliteSessionQueue`).
 *
 * A lock file (`<dataDir>/pglite.lock`, holding pid and port) stops a second process from opening the
 * same files, which would corrupt them.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly lockPath: string,
    readonly dataDir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const dataDir = resolve(options.dataDir, 'pglite');
    mkdirSync(dataDir, { recursive: true });
    const lockPath = resolve(options.dataDir, 'pglite.lock');
    takeLock(lockPath, dataDir);

    let db: PGlite | undefined;
    try {
      // A new data folder starts from the initdb template when there is one (see pglite-template.ts).
      const template = existsSync(join(dataDir, 'PG_VERSION')) ? undefined : loadTemplate();
      db = await PGlite.create(template ? { dataDir, loadDataDir: template } : { dataDir });
      const server = new PGLiteSocketServer({
        db,
        host: '127.0.0.1',
        port: options.port ?? 0,
        maxConnections: options.maxConnections ?? 32,
      });
      // Each connection takes its queue from this field when it connects (pglite-socket 0.2.17, pinned); see
      // PGliteSessionQueue for why the shipped one cannot be used with a pool.
      (server as unknown as { queryQueue: SocketQueryQueue }).queryQueue = new PGliteSessionQueue(db);
      await server.start();
      const port = Number(server.getServerConn().split(':').pop());
      const lock: LockFile = { pid: process.pid, port, startedAt: new Date().toISOString() };
      writeFileSync(lockPath, JSON.stringify(lock));
      return new EmbeddedPostgres(db, server, lockPath, dataDir, port);
    } catch (error) {
      await db?.close().catch(() => undefined);
      rmSync(lockPath, { force: true });
      throw error;
    }
  }

  /** Stops accepting connections, flushes and closes PGlite, releases the lock. Call after the ORM is closed. */
  async stop(): Promise<void> {
    await this.server.stop();
    if (!this.db.closed) await this.db.close();
    const owner = readLock(this.lockPath);
    if (owner?.pid === process.pid) rmSync(this.lockPath, { force: true });
  }

  /** The lock of a running embedded server in `dataDir`, if a live process holds one (for tools like the migration CLI). */
  static runningIn(dataDir: string): { pid: number; url: string } | undefined {
    const owner = readLock(join(resolve(dataDir), 'pglite.lock'));
    if (!owner || owner.port === 0 || !isAlive(owner.pid)) return undefined;
    return { pid: owner.pid, url: `postgres://postgres@127.0.0.1:${owner.port}/postgres` };
  }
}

/**
 * Creates the lock file exclusively (`wx`), so two processes starting together cannot both pass. A lock
 * left by a dead process is removed and taken; a live owner's makes this one give up.
 */
function takeLock(lockPath: string, dataDir: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(
        lockPath,
        JSON.stringify({ pid: process.pid, port: 0, startedAt: new Date().toISOString() }),
        {
          flag: 'wx',
        },
      );
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readLock(lockPath);
    if (owner && owner.pid !== process.pid && isAlive(owner.pid))
      throw new EmbeddedDatabaseBusyError(dataDir, owner);
    // An unreadable lock younger than a few seconds is another process writing it right now.
    if (!owner && Date.now() - statSync(lockPath).mtimeMs < FRESH_LOCK_MS) {
      throw new EmbeddedDatabaseBusyError(dataDir, { pid: 0, port: 0, startedAt: '' });
    }
    rmSync(lockPath, { force: true });
  }
  throw new Error(`could not take the lock ${lockPath}`);
}

const FRESH_LOCK_MS = 5000;

function readLock(path: string): LockFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockFile>;
    if (typeof parsed.pid === 'number' && typeof parsed.port === 'number') {
      return { pid: parsed.pid, port: parsed.port, startedAt: String(parsed.startedAt ?? '') };
    }
    return undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else — still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
