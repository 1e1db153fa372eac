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
}

/** The PostgreSQL startup packet carries protocol 3.0 where other messages have a type byte. */
const PROTOCOL_3 = 196_608;

/**
 * Messages after which the backend answers ReadyForQuery: Sync ends an extended-protocol exchange (Parse, Bind,
 * Describe, Execute … Sync), Query is a whole simple-protocol exchange, and the startup packet and Terminate stand
 * alone. Anything else is the middle of an exchange.
 */
function endsExchange(message: Uint8Array): boolean {
  if (message.length >= 8) {
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    if (view.getInt32(4) === PROTOCOL_3 && view.getInt32(0) === message.length) return true;
  }
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
 */
export class PGliteSessionQueue implements SocketQueryQueue {
  private readonly queue: Pending[] = [];
  /** The connection the session belongs to until its exchange or transaction ends; null when it is free. */
  private owner: number | null = null;
  private draining = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.drain();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    for (let index = this.queue.length - 1; index >= 0; index--) {
      if (this.queue[index].handlerId !== handlerId) continue;
      const [pending] = this.queue.splice(index, 1);
      pending.reject(new Error('connection closed'));
    }
  }

  /** A connection that went away mid-exchange or mid-transaction gives the session back (rolled back). */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.owner = null;
    void this.drain();
  }

  private next(): Pending | undefined {
    if (this.owner === null) return this.queue.shift();
    const index = this.queue.findIndex((pending) => pending.handlerId === this.owner);
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
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
