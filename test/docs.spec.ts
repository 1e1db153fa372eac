import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_MODULES } from '../src/app.module.js';
import { envVariables } from '../src/config/env.schema.js';
import { definitionsOf } from '../src/jobs/framework/job-module.js';

const ROOT = join(import.meta.dirname, '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

describe('documentation', () => {
  // Derived from the registered job definitions: a new job's variables are held to this without a list here.
  it.each(envVariables(definitionsOf(JOB_MODULES)))(
    'docs/configuration.md and .env.example document %s',
    (name) => {
      expect(read('docs/configuration.md')).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
      expect(read('.env.example')).toMatch(new RegExp(`^# ${name}=`, 'm'));
    },
  );

  it('README starts with the two set-up commands', () => {
    const readme = read('README.md');
    const start = readme.indexOf('npm ci && npm start');
    const test = readme.indexOf('npm ci && npm test');
    expect(start).toBeGreaterThan(0);
    expect(test).toBeGreaterThan(start);
    expect(start).toBeLessThan(600);
  });
});
