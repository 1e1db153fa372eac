import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  /** stdout and stderr, interleaved as they arrived. */
  output(): string;
  stdout(): string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * The real service as a separate process (`src/main.ts` through SWC, exactly what `npm run build`
 * compiles), for what only a process can show: exit codes, signals, files left on disk.
 */
export function spawnService(env: Record<string, string>): ServiceProcess {
  return spawnSource('src/main.ts', [], env);
}

/** Any TypeScript entry point of the project (a CLI, say) as a separate process, run from source. */
export function spawnSource(script: string, args: string[], env: Record<string, string>): ServiceProcess {
  let output = '';
  let stdout = '';
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, output: () => output, stdout: () => stdout, exited };
}

/**
 * How long a test that starts service processes (or a CLI, through spawnSource) may take. Each process compiles its import graph from source on
 * start: a few seconds alone, well over a minute on a 2-core machine running a second copy of the suite.
 * Nothing waits for time to pass, so the limit costs nothing when the machine is quiet.
 */
export const PROCESS_TEST_MS = 240_000;

export async function waitForHttp(url: string, expectedStatus = 200, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status === expectedStatus) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer ${expectedStatus} within ${timeoutMs} ms (last: ${last})`);
}

export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
