import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthStatusReporter } from './auth-status.reporter.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { DEFAULT_JWKS_OPTIONS, JWKS_OPTIONS, JwtVerifier } from './jwt.verifier.js';
import { StaticTokenVerifier } from './static-token.verifier.js';

/**
 * Authentication and authorisation for the whole API: registers `BearerAuthGuard` globally (every route
 * is protected unless `@Public()`) and the static-token and JWT verifiers. `@TriggerThrottle()` keeps its
 * windows in the database (see trigger-throttle.interceptor.ts).
 */
@Module({
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
