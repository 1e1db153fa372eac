// `node scripts/run-built.mjs <dist module> [args…]`: build when needed, then run the compiled module in
// this same process, so signals (Ctrl-C, SIGTERM from a supervisor) reach the service directly.
import { join, dirname } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { build } from './build.mjs';

const [, , target, ...args] = process.argv;
if (!target) {
  process.stderr.write('usage: node scripts/run-built.mjs <module under dist/> [args…]\n');
  process.exit(2);
}
build({ ifNeeded: true });
process.argv = [process.argv[0], target, ...args];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await import(pathToFileURL(join(root, target)).href);
