import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { JOB_MODULES } from './app.module.js';
import { createApp } from './bootstrap.js';
import { readEnvironment } from './config/environment.js';
import { ConfigValidationError, parseEnv } from './config/env.schema.js';
import { definitionsOf } from './jobs/framework/job-module.js';
import { JobRegistry } from './jobs/job-registry.js';
import { AppLogger } from './observability/logging/app-logger.js';
import { startupSummary } from './observability/logging/startup-summary.js';

async function main(): Promise<void> {
  const env = readEnvironment();
  try {
    parseEnv(env, definitionsOf(JOB_MODULES));
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      // One line per bad variable, no stack: this is the operator's to fix, not a crash.
      process.stderr.write(`Invalid configuration, the service cannot start:\n`);
      for (const problem of error.problems) process.stderr.write(`  ${problem}\n`);
      process.exit(1);
    }
    throw error;
  }

  const { app, config } = await createApp(env);
  const logger = new Logger('Main');
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const summary = startupSummary({
    url: `http://${config.host}:${port}`,
    routes: app.get(AppLogger).routes(),
    jobs: app
      .get(JobRegistry)
      .all()
      .map(({ definition }) => ({ key: definition.key, settings: config.jobs.byKey[definition.key] })),
  });
  logger.log(summary.fields, summary.message);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second Ctrl-C means "now": running jobs stay `running` until a replica's stale sweep abandons them.
      logger.warn({ signal }, `Received ${signal} again: exiting without waiting for running jobs`);
      process.exit(130);
    }
    stopping = true;
    logger.log({ signal }, `Received ${signal}, shutting down`);
    app
      .close()
      .then(() => {
        logger.log('Shutdown complete');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
