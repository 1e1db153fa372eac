import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_MODULES } from '../../src/app.module.js';
import { definitionsOf } from '../../src/jobs/framework/job-module.js';

const ROOT = join(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const walkthrough = (): string => {
  const doc = read('docs/contributing.md');
  const start = doc.indexOf('## Add a job');
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end === -1 ? undefined : end);
};

/** Every source file of the project, for finding where each job is declared. */
function sources(dir = join(ROOT, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe('docs/contributing.md: Add a job', () => {
  it('names the framework pieces that exist, from the modules it says', () => {
    const text = walkthrough();
    for (const [name, file] of [
      ['defineJob', 'src/jobs/job-definition.ts'],
      ['JobHandler', 'src/jobs/framework/job-handler.decorator.ts'],
      ['JobHandlerContext', 'src/jobs/framework/job-handler.decorator.ts'],
      ['JobModule', 'src/jobs/framework/job-module.ts'],
      ['JOB_MODULES', 'src/app.module.ts'],
      ['integer', 'src/config/env-vars.ts'],
      ['currentRun', 'src/jobs/run-context.ts'],
    ] as const) {
      expect(text).toContain(name);
      expect(read(file)).toMatch(new RegExp(`export (const|function|class|type|interface) ${name}\\b`));
    }
    expect(read('src/jobs/job-runner.service.ts')).toMatch(/\btick\(definition: JobDefinition\)/);
    for (const path of text.match(/`(src|test|docs)\/[^`<*]+`/g) ?? []) {
      expect(existsSync(join(ROOT, path.slice(1, -1))), path).toBe(true);
    }
  });

  it('describes every field of the context the runner hands a job', () => {
    const text = walkthrough();
    const context = read('src/jobs/job-context.ts');
    for (const field of ['logger', 'signal', 'progress', 'slot', 'params', 'metrics', 'runId', 'attempt']) {
      expect(context).toMatch(new RegExp(`\\b${field}\\b`));
      expect(text).toContain(`\`${field}`);
    }
    expect(text).toContain('`settings`');
  });

  it.each(definitionsOf(JOB_MODULES).map((definition) => [definition.key, definition] as const))(
    '%s is laid out as the walkthrough says: a <name>.job.ts definition beside its module',
    (_key, definition) => {
      const declaring = sources().filter(
        (file) => file.endsWith('.job.ts') && readFileSync(file, 'utf8').includes(`key: '${definition.key}'`),
      );
      expect(declaring).toHaveLength(1);
      const folder = declaring[0].slice(0, declaring[0].lastIndexOf('/'));
      const files = readdirSync(folder);
      expect(files.some((file) => file.endsWith('.module.ts'))).toBe(true);
      const moduleSource = files
        .filter((file) => file.endsWith('.module.ts'))
        .map((file) => readFileSync(join(folder, file), 'utf8'))
        .join('\n');
      expect(moduleSource).toContain('@JobModule(');
    },
  );
});
