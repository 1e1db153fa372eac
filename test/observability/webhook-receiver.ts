import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type ReceiverMode = 'ok' | 'fail' | 'hang';

export interface ReceivedRequest {
  path: string;
  body: Record<string, unknown>;
}

/**
 * A webhook receiver on loopback: answers 200 (`ok`), 500 (`fail`) or never (`hang`). Tests wait for
 * requests with `waitFor`, which resolves as soon as the count is reached — no sleeping.
 */
export class WebhookReceiver {
  mode: ReceiverMode = 'ok';
  readonly requests: ReceivedRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private waiters: { count: number; resolve: () => void }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(path: string): Promise<WebhookReceiver> {
    const handlers: { receiver?: WebhookReceiver } = {};
    const server = createServer((req, res) => handlers.receiver?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('receiver has no address');
    const receiver = new WebhookReceiver(server, `http://127.0.0.1:${address.port}${path}`);
    handlers.receiver = receiver;
    server.on('connection', (socket) => {
      receiver.sockets.add(socket);
      socket.on('close', () => receiver.sockets.delete(socket));
    });
    return receiver;
  }

  /** The requests whose body has this `event`. */
  events(event?: string): Record<string, unknown>[] {
    return this.requests.map((request) => request.body).filter((body) => !event || body.event === event);
  }

  waitFor(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      this.requests.push({ path: req.url ?? '', body: JSON.parse(raw) as Record<string, unknown> });
      const ready = this.waiters.filter((waiter) => this.requests.length >= waiter.count);
      this.waiters = this.waiters.filter((waiter) => this.requests.length < waiter.count);
      for (const waiter of ready) waiter.resolve();
      if (this.mode === 'hang') return;
      res.statusCode = this.mode === 'ok' ? 200 : 500;
      res.end(this.mode === 'ok' ? 'ok' : 'boom');
    });
  }
}
