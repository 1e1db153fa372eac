import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_MODULES } from '../../src/app.module.js';
import { envVariables } from '../../src/config/env.schema.js';
import { definitionsOf } from '../../src/jobs/framework/job-module.js';
import { freePort, waitForHttp } from '../support/service-process.js';

const ROOT = join(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`),
];
const SCRIPTS = Object.keys(
  (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts,
);
/** Variables the docs may set that are not the service's: the demo's own, and shell variables of the examples. */
const OTHER_VARIABLES = new Set([
  'DEMO_COINGECKO_PORT',
  'DEMO_DATABASE_URL',
  'TOKEN',
  'TEST_DATABASE_URL',
  'TEST_DATABASE',
  'CI',
]);

/** The fenced shell blocks of a Markdown file (```bash / ```sh / ```shell). */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```(?:bash|sh|shell)\n([\s\S]*?)^```/gm)].map((match) => match[1]);
}

/** A block as the commands it runs: comments dropped, `\` continuations joined. */
function commands(block: string): string[] {
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

describe('every command in the docs works as written', () => {
  const all = DOCS.flatMap((file) =>
    shellBlocks(read(file))
      .flatMap(commands)
      .map((command) => ({ file, command })),
  );
  const known = new Set([...envVariables(definitionsOf(JOB_MODULES)), ...OTHER_VARIABLES]);

  it('finds the commands', () => {
    expect(all.length).toBeGreaterThan(10);
  });

  it.each(all.map(({ file, command }) => [file, command] as const))('%s: %s', (_file, command) => {
    for (const [, script] of command.matchAll(/npm run (?:-s )?([\w:-]+)/g))
      expect(SCRIPTS).toContain(script);
    // `NAME=value` alone on a line sets a shell variable for the lines below; only `NAME=value command` is env.
    if (!/^[A-Z][A-Z0-9_]*=\S*$/.test(command)) {
      for (const [, name] of command.matchAll(/(?:^|\s)([A-Z][A-Z0-9_]+)=/g))
        expect(known, name).toContain(name);
    }
    for (const [, path] of command.matchAll(
      /(?:^|[\s"'=])((?:src|test|docs|scripts|bench|migrations)\/[\w./-]+)/g,
    )) {
      expect(() => readFileSync(join(ROOT, path.replace(/\/$/, '')))).not.toThrow(/ENOENT/);
    }
  });

  it.each(DOCS)('%s has no line over 160 characters outside tables and code', (file) => {
    let inCode = false;
    const long = read(file)
      .split('\n')
      .filter((line) => {
        if (line.startsWith('```')) inCode = !inCode;
        return !inCode && !line.startsWith('|') && line.length > 160;
      });
    expect(long).toEqual([]);
  });
});

describe('the README quickstart, end to end, offline', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cpb-quickstart-'));
  let port = 0;
  let fakePort = 0;
  let demo: ReturnType<typeof spawn> | undefined;
  let demoOutput = '';
  const tour = (): string[] => {
    const readme = read('README.md');
    const start = readme.indexOf('## A two-minute tour');
    return shellBlocks(readme.slice(start, readme.indexOf('\n## ', start + 1)));
  };
  /** The README's command as a newcomer would run it, on this test's ports and data folder. */
  const localise = (block: string): string =>
    block
      .replaceAll('localhost:3001', `localhost:${port}`)
      .replaceAll('127.0.0.1:8787', `127.0.0.1:${fakePort}`)
      .replaceAll('.data/demo', dataDir);

  beforeAll(async () => {
    port = await freePort();
    fakePort = await freePort();
    expect(tour()[0].trim()).toBe('npm run demo');
    // Its own process group, so that the whole demo (npm, the fake, the service) can be stopped at once.
    demo = spawn('npm', ['run', 'demo'], {
      cwd: ROOT,
      detached: true,
      env: {
        ...process.env,
        PORT: String(port),
        DEMO_COINGECKO_PORT: String(fakePort),
        DEMO_COINPAPRIKA_PORT: String(await freePort()),
        DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout?.on('data', (chunk: Buffer) => (demoOutput += chunk.toString()));
    demo.stderr?.on('data', (chunk: Buffer) => (demoOutput += chunk.toString()));
    await waitForHttp(`http://127.0.0.1:${port}/health/ready`, 200, 120_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${demoOutput.slice(-3000)}`);
    });
  }, 180_000);

  afterAll(async () => {
    const group = demo?.pid;
    if (demo && group && demo.exitCode === null) {
      const exited = new Promise((resolve) => demo?.once('exit', resolve));
      process.kill(-group, 'SIGINT');
      // Ctrl-C lets the service drain; a demo that does not stop in time is ended so the suite goes on.
      const timer = setTimeout(() => process.kill(-group, 'SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('runs the two curl triggers, then the duplicate check finds no rows', () => {
    const [, triggers, duplicates] = tour();
    const ran = spawnSync('bash', ['-euo', 'pipefail', '-c', localise(triggers)], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(ran.status, `${ran.stderr}\n${demoOutput.slice(-2000)}`).toBe(0);
    const results = ran.stdout.match(/\{"success":(true|false)[^\n]*?"attempts":\d+\}/g) ?? [];
    expect(results).toHaveLength(2);
    const [first, second] = results.map(
      (text) => JSON.parse(text) as { success: boolean; metrics: Record<string, number> },
    );
    expect(first.success && second.success).toBe(true);
    expect(second.metrics.items_created).toBe(0);

    const check = spawnSync('bash', ['-euo', 'pipefail', '-c', localise(duplicates)], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toBe('');
    expect(check.stderr).toContain('(0 rows)');
  }, 120_000);

  it('serves the pages the tour opens', async () => {
    for (const path of ['/docs', '/dashboard', '/metrics']) {
      expect((await fetch(`http://127.0.0.1:${port}${path}`)).status, path).toBe(200);
    }
  });
});
