import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export interface LoadOptions {
  url: string;
  /** When given, connection i asks for `urls[i % urls.length]` instead of `url`. */
  urls?: string[];
  headers?: Record<string, string>;
  connections: number;
  /** Stop after this many requests in all… */
  maxRequests: number;
  /** …or after this long, whichever comes first. */
  maxMs: number;
}

export interface LoadResult {
  requests: number;
  /** Requests per second over the whole phase. */
  throughput: number;
  latenciesMs: number[];
  errors: number;
}

/**
 * A small loopback load generator: `connections` keep-alive connections, each sending its next request as
 * soon as the previous answer is read, until the request or time budget is spent. Bounded both ways, so a
 * slow service makes a slow figure, never a hung benchmark.
 */
async function loadHere(options: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const targets = (options.urls ?? [options.url]).map((url) => new URL(url));
  const latenciesMs: number[] = [];
  let sent = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.maxMs;

  const once = (target: URL): Promise<void> =>
    new Promise((resolve) => {
      const begin = performance.now();
      const request = http.get(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          headers: options.headers,
        },
        (response) => {
          response.on('data', () => undefined);
          response.on('end', () => {
            latenciesMs.push(performance.now() - begin);
            if (response.statusCode !== 200) errors += 1;
            resolve();
          });
        },
      );
      request.on('error', () => {
        errors += 1;
        resolve();
      });
    });

  const worker = async (index: number): Promise<void> => {
    const target = targets[index % targets.length];
    while (sent < options.maxRequests && performance.now() < deadline) {
      sent += 1;
      await once(target);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, (_, index) => worker(index)));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return {
    requests: latenciesMs.length,
    throughput: (latenciesMs.length / elapsedMs) * 1000,
    latenciesMs,
    errors,
  };
}

/**
 * Runs `load` in a worker thread: the client gets its own event loop (and core), so the service's event
 * loop in this process serves requests and nothing else.
 */
export function load(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: options });
    worker.once('message', (result: LoadResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load worker exited with ${code}`));
    });
  });
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  void loadHere(workerData as LoadOptions).then((result) => {
    port.postMessage(result);
    port.close();
  });
}
