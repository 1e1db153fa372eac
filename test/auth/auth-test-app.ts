import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Logger } from 'nestjs-pino';
import { AppModule } from '../../src/app.module.js';
import { ApiAuth } from '../../src/auth/api-auth.decorator.js';
import { CurrentPrincipal } from '../../src/auth/current-principal.decorator.js';
import { DEFAULT_JWKS_OPTIONS, JWKS_OPTIONS, type JwksOptions } from '../../src/auth/jwt.verifier.js';
import type { Principal } from '../../src/auth/principal.types.js';
import { Public } from '../../src/auth/public.decorator.js';
import { RequireAdmin } from '../../src/auth/require-admin.decorator.js';
import { TriggerThrottle } from '../../src/auth/trigger-throttle.decorator.js';
import { configureHttp, installFallbacks } from '../../src/bootstrap.js';
import type { Environment } from '../../src/config/environment.js';
import { QUIET_ENV } from '../support/app.js';

/** Handler invocations, to prove that nothing runs on a 401/403/429. */
export const handlerCalls = { read: 0, trigger: 0 };

/** Routes of every auth kind, mounted only in auth tests (class-level `@ApiAuth()` documents them all). */
@ApiAuth()
@Controller('auth-test')
export class AuthTestController {
  @Public()
  @Get('public')
  open(): { ok: true } {
    return { ok: true };
  }

  @Get('read')
  read(@CurrentPrincipal() principal: Principal): Principal {
    handlerCalls.read++;
    return principal;
  }

  @Post('trigger')
  @HttpCode(200)
  @RequireAdmin()
  @TriggerThrottle()
  trigger(@CurrentPrincipal() principal: Principal): { triggeredBy: string } {
    handlerCalls.trigger++;
    return { triggeredBy: principal.subject };
  }
}

export interface AuthTestApp {
  app: NestExpressApplication;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * The whole service (AppModule, HTTP conventions) plus `AuthTestController`, listening on loopback.
 * `jwks` overrides the key-set caching windows (default: no cooldown, so rotation needs no waiting).
 */
export async function startAuthTestApp(
  env: Environment,
  jwks: Partial<JwksOptions> = {},
): Promise<AuthTestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ ...QUIET_ENV, PORT: '0', HOST: '127.0.0.1', ...env })],
    controllers: [AuthTestController],
  })
    .overrideProvider(JWKS_OPTIONS)
    .useValue({ ...DEFAULT_JWKS_OPTIONS, cooldownMs: 0, ...jwks })
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  configureHttp(app);
  await app.init();
  installFallbacks(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (typeof address !== 'object' || !address) throw new Error('server has no address');
  return { app, baseUrl: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}
