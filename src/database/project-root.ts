import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json, found from this file so that paths (migrations, data) resolve the
 * same whether the code runs from `src/` (tests) or `dist/src/` (compiled), whatever the working directory.
 */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/** True when this module was loaded from TypeScript source (tests, ts loaders) rather than from `dist/`. */
export const runningFromSource = import.meta.url.endsWith('.ts');
