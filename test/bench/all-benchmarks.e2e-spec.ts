import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BENCHES = [
  'runner-overhead',
  'upsert',
  'contracts-job',
  'history',
  'limiter',
  'gap-repair',
  'series',
  'backfill',
  'flags',
];

/*
 * `npm run bench` with no argument runs every benchmark in one process; a pool one of them leaves open when
 * its database is dropped kills that process (57P01 on an unheard pool, issue 21 item 11), and a leftover
 * session fails the benchmark's drop(). So every benchmark runs here once, at tiny sizes, in one process.
 * The benchmarks create and drop databases, which needs the PostgreSQL server (not PGlite).
 */
describe('npm run bench', () => {
  const target = inject('testDatabase');

  it.skipIf(target.mode !== 'server')(
    'runs every benchmark to the end in one process, at tiny sizes',
    async () => {
      const child = spawn(
        process.execPath,
        ['--import', '@swc-node/register/esm-register', 'bench/index.ts', '--size=tiny'],
        {
          cwd: ROOT,
          env: { ...process.env, BENCH_DATABASE_URL: target.url },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      for (const name of BENCHES) expect(stdout).toContain(`=== ${name} ===`);
      expect(stdout).toContain('all benchmarks ran to the end');
    },
    240_000,
  );
});
