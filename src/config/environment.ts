import { existsSync, readFileSync } from 'node:fs';
import { parseEnv as parseDotEnv } from 'node:util';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The variables the service sees: the process environment over `.env` (when present in the working
 * directory). The only place that reads `process.env`.
 */
export function readEnvironment(envFile = '.env'): Environment {
  const fromFile = existsSync(envFile) ? parseDotEnv(readFileSync(envFile, 'utf8')) : {};
  return { ...fromFile, ...process.env };
}
