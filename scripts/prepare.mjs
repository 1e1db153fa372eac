// Runs at `npm ci` / `npm install` (the `prepare` lifecycle): compiles the service when needed and packs a
// freshly initialised embedded-database folder, so that the first `npm start` is quick.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'node_modules', '@nestjs', 'cli'))) {
  // A production install (`npm ci --omit=dev`) has no compiler: it runs the dist/ built beforehand.
  process.stderr.write('Skipping the build: @nestjs/cli is not installed (production install).\n');
  process.exit(0);
}
build({ ifNeeded: true });
try {
  const { ensureTemplate } = await import(
    pathToFileURL(join(root, 'dist/src/database/pglite-template.js')).href
  );
  if (await ensureTemplate()) process.stderr.write('Prepared the embedded PostgreSQL template.\n');
} catch (error) {
  // Only a speed-up: without a template the first start runs initdb itself.
  process.stderr.write(
    `Skipped the embedded PostgreSQL template: ${error instanceof Error ? error.message : String(error)}\n`,
  );
}
