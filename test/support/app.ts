import type { Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { Logger } from 'nestjs-pino';
import { AppModule, JOB_MODULES, type AppModuleOptions } from '../../src/app.module.js';
import { configureHttp, createApp, installFallbacks } from '../../src/bootstrap.js';
import type { AppConfig } from '../../src/config/app-config.js';
import type { Environment } from '../../src/config/environment.js';
import { JOB_CLOCK, type Clock } from '../../src/jobs/clock.js';
import { definitionsOf } from '../../src/jobs/framework/job-module.js';
import { forgetResponsesOf, validateResponsesOf } from './openapi-responses.js';

export interface RunningApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** `http://127.0.0.1:<port>` of the listening server. */
  baseUrl: string;
  close(): Promise<void>;
}

/** Jobs stay off the clock in tests unless a test turns one on (every registered job, from its definition). */
export const QUIET_ENV: Environment = {
  LOG_LEVEL: 'silent',
  JOBS_CATCH_UP: 'false',
  ...Object.fromEntries(definitionsOf(JOB_MODULES).map((job) => [`${job.envPrefix}_ENABLED`, 'false'])),
};

/** The whole service, built exactly as `main.ts` builds it, listening on an ephemeral loopback port. */
export async function startApp(
  env: Environment,
  options: { jobs?: readonly Type[] } = {},
): Promise<RunningApp> {
  const { app, config } = await createApp({ ...QUIET_ENV, PORT: '0', HOST: '127.0.0.1', ...env }, options);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (typeof address !== 'object' || !address) throw new Error('server has no address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  // Every answer a test receives from this app is checked against the OpenAPI document it serves.
  await validateResponsesOf(baseUrl);
  const close = async (): Promise<void> => {
    await app.close();
    forgetResponsesOf(baseUrl);
  };
  return { app, config, baseUrl, close };
}

/**
 * The whole service with the job clock replaced (and any other provider `override` swaps), initialised but not
 * listening and with no schedule started: a test drives its runs and the clock decides their times. `QUIET_ENV`
 * is applied under `env`.
 */
export async function startClockedApp(
  env: Environment,
  options: {
    clock: Clock;
    jobs?: readonly Type[];
    logTo?: AppModuleOptions['logTo'];
    override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  },
): Promise<NestExpressApplication> {
  const builder = Test.createTestingModule({
    imports: [AppModule.forRoot({ ...QUIET_ENV, ...env }, { jobs: options.jobs, logTo: options.logTo })],
  })
    .overrideProvider(JOB_CLOCK)
    .useValue(options.clock);
  const moduleRef = await (options.override?.(builder) ?? builder).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
  app.useLogger(app.get(Logger));
  configureHttp(app);
  await app.init();
  installFallbacks(app);
  return app;
}

/** `http://127.0.0.1:<port>` once `app` listens on an ephemeral loopback port. */
export async function listenOnLoopback(app: NestExpressApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (typeof address !== 'object' || !address) throw new Error('server has no address');
  return `http://127.0.0.1:${address.port}`;
}
