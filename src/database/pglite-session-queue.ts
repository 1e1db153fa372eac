import type { PGlite } from '@electric-sql/pglite';

/** What pglite-socket's connection handlers call on the server's query queue (0.2.17, pinned). */
export interface SocketQueryQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  getQueueLength(): number;
  clearQueueForHandler(handlerId: number): void;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
}

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
  /** Fires when the message has waited for the session longer than its connection's statement_timeout. */
  timer?: NodeJS.Timeout;
}

/** The PostgreSQL startup packet carries protocol 3.0 where other messages have a type byte. */
const PROTOCOL_3 = 196_608;

function isStartup(message: Uint8Array): boolean {
  if (message.length < 8) return false;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  return view.getInt32(4) === PROTOCOL_3 && view.getInt32(0) === message.length;
}

/**
 * The `statement_timeout` a connection asked for in its startup packet (pairs of NUL-terminated strings after
 * the protocol version), in ms; undefined when absent, 0 or not a plain number (PGlite ignores it either way).
 */
export function startupStatementTimeout(message: Uint8Array): number | undefined {
  const fields = Buffer.from(message.buffer, message.byteOffset + 8, message.byteLength - 8)
    .toString('utf8')
    .split('\0');
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] !== 'statement_timeout') continue;
    const match = /^(\d+)(ms|s|min)?$/.exec(fields[index + 1]?.trim() ?? '');
    if (!match) return undefined;
    const value = Number(match[1]) * (match[2] === 's' ? 1000 : match[2] === 'min' ? 60_000 : 1);
    return value > 0 ? value : undefined;
  }
  return undefined;
}

/** One backend message: its type byte, its Int32 length (itself included) and its body. */
function backendMessage(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** The ErrorResponse PostgreSQL sends for a statement cancelled by statement_timeout (SQLSTATE 57014). */
function queryCanceled(severity: 'ERROR' | 'FATAL'): Buffer {
  const fields: Array<[string, string]> = [
    ['S', severity],
    ['V', severity],
    ['C', '57014'],
    ['M', 'canceling statement due to statement timeout'],
  ];
  const body = Buffer.concat([
    ...fields.map(([code, value]) =>
      Buffer.concat([Buffer.from(code), Buffer.from(value, 'utf8'), Buffer.alloc(1)]),
    ),
    Buffer.alloc(1),
  ]);
  return backendMessage('E', body);
}

const READY_FOR_QUERY_IDLE = backendMessage('Z', Buffer.from('I'));

/**
 * Messages after which the backend answers ReadyForQuery: Sync ends an extended-protocol exchange (Parse, Bind,
 * Describe, Execute … Sync), Query is a whole simple-protocol exchange, and the startup packet and Terminate stand
 * alone. Anything else is the middle of an exchange.
 */
function endsExchange(message: Uint8Array): boolean {
  if (isStartup(message)) return true;
  const type = String.fromCharCode(message[0] ?? 0);
  return type === 'S' || type === 'Q' || type === 'X';
}

/**
 * Puts the connections of pglite-socket onto PGlite's single session one exchange at a time. PGlite has one
 * unnamed statement and one unnamed portal; the queue pglite-socket ships with hands the session to whichever
 * connection's next message is first in line, so two connections' Parse/Bind/Execute interleave and fail
 * ("unnamed prepared statement does not exist", `portal "" cannot be run`) as soon as a job and a request
 * query at once. It also stalls for good after one failed message. This queue gives the session to one
 * connection from its first message until its exchange ends (Sync or Query) outside a transaction — inside
 * one, until the transaction ends — and keeps serving after a failure.
 *
 * PGlite accepts `statement_timeout` but never fires it (no timer interrupts its WebAssembly), and with one
 * session no lock can make a statement wait there. What does wait is a connection whose turn does not come
 * because another holds the session in an open transaction: that wait is what this queue limits, by the
 * `statement_timeout` each connection sends in its startup packet. A message that waits longer is answered
 * as PostgreSQL answers a cancelled statement (ErrorResponse 57014, then ReadyForQuery once its exchange's
 * Sync arrives; a waiting startup gets a FATAL one), so the client sees the error it would see on a server.
 */
export class PGliteSessionQueue implements SocketQueryQueue {
  private readonly queue: Pending[] = [];
  /** The connection the session belongs to until its exchange or transaction ends; null when it is free. */
  private owner: number | null = null;
  private draining = false;
  /** Each connection's `statement_timeout` (ms) from its startup packet. */
  private readonly limits = new Map<number, number>();
  /** Connections whose exchange timed out: their messages up to its Sync are dropped, as the backend does. */
  private readonly discarding = new Set<number>();

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const pending: Pending = { handlerId, message, onData, resolve, reject };
      const startup = isStartup(message);
      if (startup) {
        const limit = startupStatementTimeout(message);
        if (limit === undefined) this.limits.delete(handlerId);
        else this.limits.set(handlerId, limit);
      } else if (this.discarding.has(handlerId)) {
        this.discard(pending);
        return;
      }
      const limit = this.limits.get(handlerId);
      if (limit !== undefined && String.fromCharCode(message[0] ?? 0) !== 'X') {
        pending.timer = setTimeout(() => this.timeOut(pending, startup), limit);
        pending.timer.unref();
      }
      this.queue.push(pending);
      void this.drain();
    });
  }

  /** A message that waited too long: answered (and its exchange's rest dropped) as a cancelled statement. */
  private timeOut(pending: Pending, startup: boolean): void {
    const index = this.queue.indexOf(pending);
    if (index === -1 || this.owner === pending.handlerId) return;
    this.queue.splice(index, 1);
    pending.onData(queryCanceled(startup ? 'FATAL' : 'ERROR'));
    const type = String.fromCharCode(pending.message[0] ?? 0);
    if (!startup && type !== 'Q' && type !== 'S') {
      this.discarding.add(pending.handlerId);
    } else if (!startup) {
      pending.onData(READY_FOR_QUERY_IDLE);
    }
    pending.resolve(0);
    // Messages of the same exchange already queued behind it go the same way, in order.
    for (let next = this.queue.findIndex((p) => p.handlerId === pending.handlerId); next !== -1;) {
      if (!this.discarding.has(pending.handlerId)) break;
      const [later] = this.queue.splice(next, 1);
      clearTimeout(later.timer);
      this.discard(later);
      next = this.queue.findIndex((p) => p.handlerId === pending.handlerId);
    }
  }

  /** A message of a timed-out exchange: dropped, and the exchange's Sync answered ReadyForQuery. */
  private discard(pending: Pending): void {
    if (String.fromCharCode(pending.message[0] ?? 0) === 'S') {
      this.discarding.delete(pending.handlerId);
      pending.onData(READY_FOR_QUERY_IDLE);
    }
    pending.resolve(0);
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    for (let index = this.queue.length - 1; index >= 0; index--) {
      if (this.queue[index].handlerId !== handlerId) continue;
      const [pending] = this.queue.splice(index, 1);
      clearTimeout(pending.timer);
      pending.reject(new Error('connection closed'));
    }
    this.limits.delete(handlerId);
    this.discarding.delete(handlerId);
  }

  /** A connection that went away mid-exchange or mid-transaction gives the session back (rolled back). */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.owner = null;
    void this.drain();
  }

  private next(): Pending | undefined {
    const index =
      this.owner === null ? 0 : this.queue.findIndex((pending) => pending.handlerId === this.owner);
    const pending = index === -1 ? undefined : this.queue.splice(index, 1)[0];
    clearTimeout(pending?.timer);
    return pending;
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let pending = this.next(); pending; pending = this.next()) {
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(pending.message, {
              onRawData: (data) => {
                bytes += data.length;
                pending.onData(data);
              },
            }),
          );
        } catch (error) {
          this.owner = this.db.isInTransaction() ? pending.handlerId : null;
          pending.reject(error);
          continue;
        }
        this.owner = endsExchange(pending.message) && !this.db.isInTransaction() ? null : pending.handlerId;
        pending.resolve(bytes);
      }
    } finally {
      this.draining = false;
    }
  }
}
