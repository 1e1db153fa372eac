import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import helmet from 'helmet';
import { AppModule, JOB_MODULES, type AppModuleOptions } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { readEnvironment, type Environment } from './config/environment.js';
import { parseEnv } from './config/env.schema.js';
import { API_PREFIX } from './http/api-prefix.js';
import { ApiValidationPipe } from './http/api-validation.pipe.js';
import { HttpExceptionFilter } from './http/http-exception.filter.js';
import { RequestInputInterceptor } from './http/request-input.interceptor.js';
import { setupSwagger } from './http/swagger.js';
import { AppLogger } from './observability/logging/app-logger.js';
import { definitionsOf } from './jobs/framework/job-module.js';
import { JobSchedulerService } from './jobs/job-scheduler.service.js';

const BODY_LIMIT = '100kb';

export { API_PREFIX };

export interface CreatedApp {
  app: NestExpressApplication;
  config: AppConfig;
}

/** Applies the HTTP conventions every route shares (also used by tests that build the app themselves). */
export function configureHttp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] });
  express.use(
    helmet({
      // Swagger UI must work when the service is reached over plain HTTP by a host name (an internal
      // deployment): upgrade-insecure-requests would send its assets to an https:// that is not there.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );
  express.disable('x-powered-by');
  app.setGlobalPrefix(API_PREFIX, {
    exclude: ['health/live', 'health/ready', 'metrics', 'dashboard', 'dashboard/{*path}'],
  });
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalInterceptors(new RequestInputInterceptor());
  app.useGlobalPipes(
    new ApiValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
    }),
  );
}

/**
 * Nest answers unknown routes with JSON only under the global prefix; outside it Express would send
 * its HTML page. Installed after `init()` so it sits behind every route.
 */
export function installFallbacks(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.use((request: Request, response: Response) => {
    response.status(404).json({
      statusCode: 404,
      error: 'Not Found',
      message: `Cannot ${request.method} ${request.path}`,
    });
  });
}

/**
 * Builds and initialises the whole service (not yet listening): config validated, logger installed,
 * database connected and migrated, HTTP conventions and Swagger applied, job schedules applied and
 * start-up catch-up begun.
 */
export async function createApp(
  env: Environment = readEnvironment(),
  options: Pick<AppModuleOptions, 'jobs' | 'logTo'> = {},
): Promise<CreatedApp> {
  const config = parseEnv(env, definitionsOf(options.jobs ?? JOB_MODULES));
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env, options), {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(app.get(AppLogger));
  app.flushLogs();
  configureHttp(app);
  setupSwagger(app);
  await app.init();
  installFallbacks(app);
  await app.get(JobSchedulerService).start();
  return { app, config };
}
