// `npm run test:soak [-- --runs=N]`: the whole suite N times in a row (default 5) on PostgreSQL, while a second copy
// of the project runs it N times in a row on embedded PGlite at the same time — each copy is the other's load, so
// one soak shows both database modes passing on a machine kept busy. Prints a table of every run and exits
// non-zero when any run failed. A run's failures are kept in the copy's test-results.json and printed at the end.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.find((arg) => arg.startsWith('--runs='));
const runs = runsArg ? Number(runsArg.slice('--runs='.length)) : 5;
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs must be a whole number ≥ 1');
  process.exit(2);
}

// The second copy: the working tree as it is (uncommitted changes included), with node_modules hard-linked
// rather than copied, so that it costs seconds. The two copies share no file a test writes.
const copy = mkdtempSync(join(tmpdir(), 'cpb-soak-'));
const files = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
  cwd: root,
  encoding: 'utf8',
})
  .stdout.split('\0')
  .filter(Boolean);
for (const file of files) {
  if (!existsSync(join(root, file))) continue; // deleted in the working tree
  mkdirSync(dirname(join(copy, file)), { recursive: true });
  cpSync(join(root, file), join(copy, file));
}
spawnSync('cp', ['-al', join(root, 'node_modules'), join(copy, 'node_modules')], { stdio: 'inherit' });
if (existsSync(join(root, 'dist'))) cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });

const modes = [
  { name: 'PostgreSQL', cwd: root, env: {} },
  { name: 'embedded PGlite', cwd: copy, env: { TEST_DATABASE: 'embedded' } },
];

function runSuite(mode, index) {
  const report = join(mode.cwd, 'test-results.json');
  rmSync(report, { force: true });
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        join(mode.cwd, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--reporter=json',
        `--outputFile.json=${report}`,
      ],
      { cwd: mode.cwd, env: { ...process.env, ...mode.env }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('exit', (code) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      let passed = 0;
      let failed = 0;
      const failures = [];
      if (existsSync(report)) {
        const result = JSON.parse(readFileSync(report, 'utf8'));
        passed = result.numPassedTests;
        failed = result.numFailedTests;
        for (const file of result.testResults)
          for (const test of file.assertionResults)
            if (test.status === 'failed')
              failures.push(
                `${file.name.replace(`${mode.cwd}/`, '')} > ${test.fullName}\n    ${(test.failureMessages[0] ?? '').split('\n')[0]}`,
              );
      } else failures.push(`no report (exit ${code}): ${stderr}`);
      const ok = code === 0 && failed === 0;
      console.log(
        `${mode.name.padEnd(16)} run ${index}/${runs}: ${passed} passed, ${failed} failed, ${seconds} s`,
      );
      for (const failure of failures) console.log(`  ✗ ${failure}`);
      resolve({ mode: mode.name, index, ok, passed, failed, seconds, failures });
    });
  });
}

async function loop(mode) {
  const results = [];
  for (let index = 1; index <= runs; index++) results.push(await runSuite(mode, index));
  return results;
}

console.log(
  `soak: ${runs} runs in a row on each of ${modes.map((mode) => mode.name).join(' and ')}, at once`,
);
const results = (await Promise.all(modes.map(loop))).flat();
rmSync(copy, { recursive: true, force: true });

console.log('\n| database        | run | passed | failed | seconds |');
console.log('| --------------- | --- | ------ | ------ | ------- |');
for (const r of results)
  console.log(
    `| ${r.mode.padEnd(15)} | ${String(r.index).padStart(3)} | ${String(r.passed).padStart(6)} | ${String(r.failed).padStart(6)} | ${String(r.seconds).padStart(7)} |`,
  );
const bad = results.filter((r) => !r.ok);
for (const r of bad) console.log(`\n${r.mode} run ${r.index} failed:\n  ${r.failures.join('\n  ')}`);
console.log(
  bad.length === 0
    ? `\nsoak passed: ${results.length} runs`
    : `\nsoak failed: ${bad.length} of ${results.length} runs`,
);
process.exit(bad.length === 0 ? 0 : 1);
