import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

function specs(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return specs(path);
    return /\.(e2e-)?spec\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** What makes a spec need PostgreSQL, a booted app or the fake CoinGecko over HTTP. */
const NEEDS_SERVICES =
  /support\/(database|jobs|app|service-process)\.js'|fakes\/coingecko-fake\.js'|src\/bootstrap\.js'|\bcreateApp\(/;

describe('test tiers (docs/contributing.md "Tests")', () => {
  it('keeps specs beside the code free of databases, HTTP servers and booted apps', () => {
    const offenders = specs('src').filter(
      (file) =>
        /\.(integration\.spec|e2e-spec)\.ts$/.test(file) ||
        NEEDS_SERVICES.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('names every spec in test/ that needs those as an integration or e2e spec', () => {
    const offenders = specs('test').filter(
      (file) =>
        !/\.(integration\.spec|e2e-spec)\.ts$/.test(file) &&
        NEEDS_SERVICES.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
