import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './project-root.js';

/**
 * A freshly initialised PGlite data folder, packed once (at `npm ci`, by the `prepare` script) so that a
 * first start unpacks it in about a second instead of running initdb in WebAssembly, which takes 5–10 s.
 * Keyed by the PGlite version: a template is only ever used by the build that made it.
 */
export function templatePath(): string {
  const manifest = join(projectRoot(), 'node_modules', '@electric-sql', 'pglite', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return join(
    projectRoot(),
    'node_modules',
    '.cache',
    'crypto-pocket-butler',
    `pglite-${version}-initdb.tar.gz`,
  );
}

export function loadTemplate(): Blob | undefined {
  const path = templatePath();
  return existsSync(path) ? new Blob([readFileSync(path)]) : undefined;
}

/** Creates the template unless it exists; returns whether it did. */
export async function ensureTemplate(): Promise<boolean> {
  const path = templatePath();
  if (existsSync(path)) return false;
  const scratch = mkdtempSync(join(tmpdir(), 'cpb-pglite-template-'));
  try {
    const db = await PGlite.create({ dataDir: scratch });
    const archive = await db.dumpDataDir('gzip');
    await db.close();
    mkdirSync(join(path, '..'), { recursive: true });
    // Written aside and renamed, so a half-written template is never picked up.
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await archive.arrayBuffer()));
    renameSync(partial, path);
    return true;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
