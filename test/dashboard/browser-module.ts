import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ASSETS_DIR = join(import.meta.dirname, '..', '..', 'src', 'dashboard', 'assets');

/**
 * One of the dashboard's ES modules, loaded in Node. They are plain browser JavaScript (no types, served as
 * they are), so the spec states the shape it relies on; only modules that touch no DOM at import load here.
 */
export async function browserModule<T>(name: string): Promise<T> {
  return (await import(pathToFileURL(join(ASSETS_DIR, name)).href)) as T;
}
