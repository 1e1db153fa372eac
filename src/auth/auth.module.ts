import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from '../config/app-config.js';
import { AuthStatusReporter } from './auth-status.reporter.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { DEFAULT_JWKS_OPTIONS, JWKS_OPTIONS, JwtVerifier } from './jwt.verifier.js';
import { StaticTokenVerifier } from './static-token.verifier.js';
import { TRIGGER_THROTTLER } from './trigger-throttler.guard.js';

const MINUTE_MS = 60_000;

/**
 * Authentication and authorisation for the whole API: registers `BearerAuthGuard` globally (every route
 * is protected unless `@Public()`), the static-token and JWT verifiers, and the trigger throttler used by
 * `@TriggerThrottle()` (ThrottlerModule is global, so the guard resolves in any feature module).
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => ({
        throttlers: [
          {
            name: TRIGGER_THROTTLER,
            ttl: MINUTE_MS,
            limit: config.get('auth', { infer: true }).triggerRateLimitPerMinute,
          },
        ],
        // The guard sets a plain `Retry-After` itself; the library would suffix it with the throttler name.
        setHeaders: false,
      }),
    }),
  ],
  providers: [
    { provide: JWKS_OPTIONS, useValue: DEFAULT_JWKS_OPTIONS },
    StaticTokenVerifier,
    JwtVerifier,
    AuthStatusReporter,
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
  exports: [StaticTokenVerifier, JwtVerifier],
})
export class AuthModule {}
