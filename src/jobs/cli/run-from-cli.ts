import {
  ConsoleLogger,
  Module,
  type DynamicModule,
  type INestApplicationContext,
  type LogLevel,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../app.module.js';
import { CliModeModule } from '../../cli/cli-mode.js';
import type { Environment } from '../../config/environment.js';
import { AppLogger } from '../../observability/logging/app-logger.js';
import { withoutFailure } from '../job-result.js';
import { JobRunnerService } from '../job-runner.service.js';
import { JobRunsRepository } from '../job-runs.repository.js';
import type { CliRequest } from './cli-args.js';
import { followProgress } from './progress-bar.js';

/** The service's modules, logging to stderr, with CLI_MODE set. */
@Module({})
class CliAppModule {
  static forRoot(env: Environment): DynamicModule {
    return { module: CliAppModule, imports: [CliModeModule, AppModule.forRoot(env, { logTo: 'stderr' })] };
  }
}

/**
 * Nest's console logger, on stderr only: it prints whatever Nest logged before the app's own logger took
 * over — all of it when booting fails — and the CLI's stdout is for its JSON answer.
 */
class StderrConsoleLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _stream?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack, params);
  }
}

const line = (stream: NodeJS.WriteStream, text: string): void => void stream.write(`${text}\n`);

/** Boots the app without HTTP, runs the job once and answers with the CLI's exit code. */
export async function runFromCli(env: Environment, request: CliRequest): Promise<number> {
  const app = await NestFactory.createApplicationContext(CliAppModule.forRoot(env), {
    logger: new StderrConsoleLogger(),
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(AppLogger));
  app.flushLogs();
  try {
    return await runOnce(app, request);
  } finally {
    await app.close();
  }
}

async function runOnce(app: INestApplicationContext, request: CliRequest): Promise<number> {
  const runner = app.get(JobRunnerService);
  const key = request.job.key;
  const outcome = await runner.run({
    job: key,
    trigger: 'cli',
    params: request.limit === undefined ? {} : { limit: request.limit },
  });
  if (outcome.kind === 'already_running') {
    const { id, owner, startedAt } = outcome.running;
    line(
      process.stderr,
      `${key} is already running: run ${id}, owner ${owner}, since ${startedAt.toISOString()}`,
    );
    return 3;
  }
  if (outcome.kind !== 'started') {
    line(process.stderr, `${key} did not start (${outcome.kind})`);
    return 1;
  }
  const { run, completion } = outcome;
  if (!request.wait) {
    const started = { run_id: run.id, status: run.status, status_url: `/api/v1/jobs/runs/${run.id}` };
    line(process.stdout, JSON.stringify(started));
  }

  const stopSignals = cancelOnSignals(runner, run.id);
  const runs = app.get(JobRunsRepository);
  const bar = process.stderr.isTTY
    ? followProgress(process.stderr, run.jobName, async () => (await runs.get(run.id))?.progress ?? null)
    : undefined;
  const result = await completion;
  bar?.stop();
  stopSignals();
  if (request.wait) line(process.stdout, JSON.stringify(withoutFailure(result), null, 2));
  return result.success ? 0 : 1;
}

/**
 * The first Ctrl-C (or SIGTERM, e.g. a CronJob's deadline) cancels the run the way the API does: it ends
 * `cancelled` with the metrics gathered so far, and the JobResult is still printed. A second one exits.
 */
function cancelOnSignals(runner: JobRunnerService, runId: string): () => void {
  let received = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received) {
      line(process.stderr, `${signal} again: exiting without waiting for the run to stop`);
      process.exit(130);
    }
    received = true;
    line(process.stderr, `${signal}: cancelling run ${runId}…`);
    runner.cancel(runId, `cli (${signal})`).catch((error: unknown) => {
      line(
        process.stderr,
        `could not cancel run ${runId}: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
