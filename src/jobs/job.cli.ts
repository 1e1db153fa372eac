import 'reflect-metadata';
import { JOB_MODULES } from '../app.module.js';
import { readEnvironment } from '../config/environment.js';
import { ConfigValidationError, parseEnv } from '../config/env.schema.js';
import { EmbeddedPostgres } from '../database/embedded-postgres.js';
import { parseCliArgs, USAGE } from './cli/cli-args.js';
import { runFromCli } from './cli/run-from-cli.js';
import { definitionsOf } from './framework/job-module.js';

/*
 * `npm run -s job -- <job key> [--limit <n>|all] [--no-wait]`: one run of one job, for a shell cron or a
 * Kubernetes CronJob. stdout carries only the JSON answer; everything else goes to stderr. The command
 * line and the configuration are checked before anything boots. Exit codes: see USAGE.
 */

const write = (stream: NodeJS.WriteStream, text: string): void => void stream.write(`${text}\n`);

async function main(): Promise<number> {
  const definitions = definitionsOf(JOB_MODULES);
  const parsed = parseCliArgs(process.argv.slice(2), definitions);
  if (parsed.kind === 'help') {
    write(process.stdout, USAGE);
    return 0;
  }
  if (parsed.kind === 'usage_error') {
    for (const problem of parsed.problems) write(process.stderr, problem);
    write(
      process.stderr,
      'usage: npm run -s job -- <job key> [--limit <n>|all] [--no-wait]   (--help for more)',
    );
    return 2;
  }
  const env = { ...readEnvironment() };
  let config;
  try {
    config = parseEnv(env, definitions);
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    write(process.stderr, 'Invalid configuration:');
    for (const problem of error.problems) write(process.stderr, `  ${problem}`);
    return 2;
  }
  // With the service running on the embedded database, share its server instead of opening PGlite twice.
  if (!config.database.url) {
    const running = EmbeddedPostgres.runningIn(config.database.dataDir);
    if (running) env.DATABASE_URL = running.url;
  }
  return runFromCli(env, parsed.request);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    write(process.stderr, `job failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
