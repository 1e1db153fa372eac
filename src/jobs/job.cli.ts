import 'reflect-metadata';
import { readEnvironment } from '../config/environment.js';
import { ConfigValidationError, parseEnv } from '../config/env.schema.js';
import { EmbeddedPostgres } from '../database/embedded-postgres.js';

/* eslint-disable no-console -- a command-line tool talks to its terminal */

const USAGE = `usage: npm run job -- <job key> [--limit <n>|all]
  e.g. npm run job -- top_coins_collection --limit 10
Runs one job now through the same runner as the service (trigger "cli"), prints its JobResult as JSON,
and exits 0 when it succeeded, 1 when it failed, 2 on bad usage or when the job is already running.`;

function parseArgs(args: string[]): { job: string; limit?: number | null } | undefined {
  const [job, ...rest] = args;
  if (!job || job.startsWith('-')) return undefined;
  if (rest.length === 0) return { job };
  if (rest.length !== 2 || rest[0] !== '--limit') return undefined;
  if (rest[1] === 'all') return { job, limit: null };
  return /^[1-9]\d{0,8}$/.test(rest[1]) ? { job, limit: Number(rest[1]) } : undefined;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (!args) {
    console.error(USAGE);
    return 2;
  }
  const env = { ...readEnvironment() };
  const config = parseEnv(env);
  // With the service running on the embedded database, share its server instead of opening PGlite twice.
  if (!config.database.url) {
    const running = EmbeddedPostgres.runningIn(config.database.dataDir);
    if (running) env.DATABASE_URL = running.url;
  }
  // Loaded only now, so that a usage error answers at once instead of after compiling the whole service.
  const [{ NestFactory }, { Logger }, { AppModule }, { JobRegistry }, { JobRunnerService, toJobResult }] =
    await Promise.all([
      import('@nestjs/core'),
      import('nestjs-pino'),
      import('../app.module.js'),
      import('./job-registry.js'),
      import('./job-runner.service.js'),
    ]);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(env, { logTo: 'stderr' }), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  try {
    const registry = app.get(JobRegistry);
    if (!registry.has(args.job)) {
      console.error(
        `unknown job ${args.job}; jobs: ${registry
          .all()
          .map((handler) => handler.definition.key)
          .join(', ')}`,
      );
      return 2;
    }
    const { limit: bounds } = registry.get(args.job).definition;
    if (args.limit === null ? !bounds.nullable : args.limit !== undefined && args.limit > bounds.max) {
      console.error(
        `--limit for ${args.job} must be an integer between ${bounds.min} and ${bounds.max}${bounds.nullable ? ' or all' : ''}`,
      );
      return 2;
    }
    const outcome = await app
      .get(JobRunnerService)
      .run({ job: args.job, trigger: 'cli', params: args.limit === undefined ? {} : { limit: args.limit } });
    if (outcome.kind === 'already_running') {
      console.error(`${args.job} is already running (run ${outcome.running.id})`);
      console.log(JSON.stringify(toJobResult(outcome.running), null, 2));
      return 2;
    }
    if (outcome.kind !== 'started') return 2;
    const result = await outcome.completion;
    console.log(JSON.stringify({ ...result }, null, 2));
    return result.success ? 0 : 1;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigValidationError) console.error(error.message);
    else console.error(`job failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
