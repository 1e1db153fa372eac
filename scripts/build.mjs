// `node scripts/build.mjs` compiles src/ and migrations/ into dist/ with `nest build` (tsc);
// `--if-needed` skips the build when nothing compiled has changed since the last one (used by `npm start`).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
const inputs = [
  'src',
  'migrations',
  'mikro-orm.config.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce(
    (latest, entry) => Math.max(latest, newest(join(path, entry))),
    stats.mtimeMs,
  );
}

function isFresh() {
  const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  return builtAt >= Math.max(...inputs.map((input) => newest(join(root, input))));
}

export function build({ ifNeeded = false } = {}) {
  if (ifNeeded && isFresh()) return;
  if (ifNeeded) process.stderr.write('Building the service (dist/ is missing or older than the sources)…\n');
  const nest = join(root, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
  // A build on demand precedes a program whose stdout is its output (the job CLI's JSON): keep it clean.
  const stdio = ifNeeded ? ['inherit', process.stderr, 'inherit'] : 'inherit';
  const result = spawnSync(process.execPath, [nest, 'build'], { cwd: root, stdio });
  if (result.status !== 0) {
    process.stderr.write('Build failed; see the errors above.\n');
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, new Date().toISOString());
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  build({ ifNeeded: process.argv.includes('--if-needed') });
