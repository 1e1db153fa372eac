import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JOB_MODULES } from '../../src/app.module.js';
import { definitionsOf } from '../../src/jobs/framework/job-module.js';
import { CoinGeckoFake } from '../fakes/coingecko-fake.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { PROCESS_TEST_MS, freePort, spawnSource, type ServiceProcess } from '../support/service-process.js';

/*
 * The job CLI as an operator's cron runs it: a separate process, its exit code, a stdout that is only
 * the JSON answer (so `| jq` works) and everything else on stderr.
 */
const CLI = 'src/jobs/job.cli.ts';
// Every registered job, in registration order (a job added to JOB_MODULES shows up here too).
const JOBS = definitionsOf(JOB_MODULES)
  .map((definition) => definition.key)
  .join(', ');

describe('npm run job (the job CLI)', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 50 });
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await fake?.stop();
    await db?.drop();
  });

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    DATABASE_URL: db.url,
    COINGECKO_BASE_URL: fake.url,
    COINGECKO_RATE_LIMIT_PER_MINUTE: '10000',
    COINGECKO_MAX_RETRIES: '0',
    LOG_LEVEL: 'info',
    ...extra,
  });
  const stderrOf = (cli: ServiceProcess): string => cli.output().replace(cli.stdout(), '');

  it(
    'runs one job through the runner (trigger cli): stdout is only its JobResult, logs go to stderr, exit 0',
    async () => {
      const cli = spawnSource(CLI, ['top_coins_collection', '--limit', '7'], env());
      expect(await cli.exited).toBe(0);
      expect(JSON.parse(cli.stdout())).toMatchObject({
        success: true,
        status: 'succeeded',
        job_name: 'top_coins_collection(limit=7)',
        metrics: { items_processed: 7 },
      });
      expect(JSON.parse(cli.stdout())).not.toHaveProperty('failure');
      expect(stderrOf(cli)).toContain('Starting job: top_coins_collection(limit=7)');
      // No API route is called: the service's authentication notes are not the CLI user's business.
      expect(cli.output()).not.toMatch(/no authentication is configured/i);
      expect(await db.query(`select job_key, trigger, status from job_runs`)).toEqual([
        { job_key: 'top_coins_collection', trigger: 'cli', status: 'succeeded' },
      ]);
    },
    PROCESS_TEST_MS,
  );

  it(
    'prints its usage on stdout for --help and exits 0',
    async () => {
      const cli = spawnSource(CLI, ['--help'], env());
      expect(await cli.exited).toBe(0);
      expect(cli.stdout()).toContain('usage: npm run -s job -- <job key> [--limit <n>|all] [--no-wait]');
      expect(cli.stdout()).toContain('3 already running');
    },
    PROCESS_TEST_MS,
  );

  it.each([
    [['top_coins_collection', '--limit', '-1'], '--limit: must be an integer between 1 and 10000 (got "-1")'],
    [['top_coins_collection', '--limit', 'x'], '--limit: must be an integer between 1 and 10000 (got "x")'],
    [
      ['top_coins_collection', '--limit', 'all'],
      '--limit: must be an integer between 1 and 10000 (got "all")',
    ],
    [['top_coins_collection', '--limit'], '--limit: needs a value (an integer between 1 and 10000)'],
    [['top_coins_collection', '--limt', '5'], 'unknown option --limt'],
    [['foo'], `unknown job foo; jobs: ${JOBS}`],
    [[], `missing the job key; jobs: ${JOBS}`],
  ])(
    'refuses %j with one line saying why, before booting anything, exit 2',
    async (args, problem) => {
      const cli = spawnSource(CLI, args, env());
      expect(await cli.exited).toBe(2);
      expect(cli.stdout()).toBe('');
      const lines = stderrOf(cli).trim().split('\n');
      expect(lines[0]).toBe(problem);
      expect(lines.slice(1).join('\n')).toMatch(/^usage: .*--help for more\)$/);
      expect(cli.output()).not.toContain('"level"');
    },
    PROCESS_TEST_MS,
  );

  it(
    'names every bad argument, one per line',
    async () => {
      const cli = spawnSource(CLI, ['contract_addresses_collection', '--limit', '0', '--wat'], env());
      expect(await cli.exited).toBe(2);
      expect(stderrOf(cli)).toContain('unknown option --wat\n');
      expect(stderrOf(cli)).toContain('--limit: must be an integer between 1 and 100000, or all (got "0")\n');
    },
    PROCESS_TEST_MS,
  );

  it(
    'exits 2 on a configuration error, naming the variable',
    async () => {
      const cli = spawnSource(CLI, ['top_coins_collection'], env({ TOP_COINS_COLLECTION_LIMIT: 'lots' }));
      expect(await cli.exited).toBe(2);
      expect(cli.stdout()).toBe('');
      expect(stderrOf(cli)).toMatch(/TOP_COINS_COLLECTION_LIMIT: "lots" is not an integer/);
    },
    PROCESS_TEST_MS,
  );

  it(
    'exits 1 with nothing on stdout when the service cannot boot (database unreachable)',
    async () => {
      const port = await freePort();
      const cli = spawnSource(
        CLI,
        ['top_coins_collection'],
        env({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nowhere` }),
      );
      expect(await cli.exited).toBe(1);
      expect(cli.stdout()).toBe('');
      expect(stderrOf(cli)).toMatch(/job failed to start: .*ECONNREFUSED|connect/i);
    },
    PROCESS_TEST_MS,
  );

  it(
    'exits 1 with the failed JobResult when the run fails',
    async () => {
      fake.failNext('/coins/markets', 1, { kind: 'status', status: 500 });
      const cli = spawnSource(CLI, ['top_coins_collection', '--limit', '3'], env());
      expect(await cli.exited).toBe(1);
      const result = JSON.parse(cli.stdout()) as Record<string, unknown>;
      expect(result).toMatchObject({ success: false, status: 'failed' });
      expect(result.error).toEqual(expect.any(String));
    },
    PROCESS_TEST_MS,
  );

  it(
    'exits 3 when the job is already running, naming that run and its owner, with an empty stdout',
    async () => {
      const [running] = await db.query<{ id: string }>(
        `insert into job_runs (job_key, job_name, trigger, status, attempts, params, started_at, heartbeat_at, owner)
       values ('price_collection', 'price_collection(limit=100)', 'manual', 'running', 1, '{}', now(), now(), 'other-host:42:abcdef')
       returning id`,
      );
      try {
        const cli = spawnSource(CLI, ['price_collection'], env());
        expect(await cli.exited).toBe(3);
        expect(cli.stdout()).toBe('');
        expect(stderrOf(cli)).toContain(
          `price_collection is already running: run ${running?.id}, owner other-host:42:abcdef`,
        );
      } finally {
        await db.query(`delete from job_runs where id = $1`, [running?.id]);
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    '--no-wait prints the run id as soon as the run has started',
    async () => {
      const cli = spawnSource(CLI, ['top_coins_collection', '--limit', '2', '--no-wait'], env());
      expect(await cli.exited).toBe(0);
      const started = JSON.parse(cli.stdout()) as { run_id: string; status: string; status_url: string };
      expect(started).toEqual({
        run_id: expect.any(String) as unknown,
        status: 'running',
        status_url: `/api/v1/jobs/runs/${started.run_id}`,
      });
      const [row] = await db.query(`select trigger, status from job_runs where id = $1`, [started.run_id]);
      expect(row).toEqual({ trigger: 'cli', status: 'succeeded' });
    },
    PROCESS_TEST_MS,
  );

  it(
    'cancels its run on Ctrl-C (SIGINT): the run ends cancelled and its JobResult is printed',
    async () => {
      const release = fake.holdAnswers();
      try {
        const seen = fake.count('/coins/markets');
        const cli = spawnSource(CLI, ['top_coins_collection', '--limit', '5'], env());
        // The run is mid-request once the fake has seen its request (earlier tests' requests aside).
        while (fake.count('/coins/markets') === seen && cli.child.exitCode === null) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        cli.child.kill('SIGINT');
        expect(await cli.exited).toBe(1);
        expect(JSON.parse(cli.stdout())).toMatchObject({
          success: false,
          status: 'cancelled',
          error: expect.stringContaining('cli (SIGINT)') as unknown,
        });
        expect(stderrOf(cli)).toContain('SIGINT: cancelling run');
      } finally {
        release();
      }
    },
    PROCESS_TEST_MS,
  );
});
