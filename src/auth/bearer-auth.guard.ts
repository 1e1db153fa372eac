import {
  ForbiddenException,
  Injectable,
  Logger,
  ServiceUnavailableException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import type { AppConfig } from '../config/app-config.js';
import { AUTH_MESSAGES, KeySetUnavailableError, TokenRejectedError } from './auth.errors.js';
import { JwtVerifier, looksLikeJwt } from './jwt.verifier.js';
import type { AuthenticatedRequest, Principal } from './principal.types.js';
import { IS_PUBLIC } from './public.decorator.js';
import { REQUIRE_ADMIN } from './require-admin.decorator.js';
import { StaticTokenVerifier } from './static-token.verifier.js';

/** RFC 7235: the scheme is case-insensitive, then one or more spaces, then the token (no spaces inside). */
const BEARER = /^Bearer +(\S+) *$/i;
/** How long a client should wait before retrying while the key set is unavailable. */
const KEY_SET_RETRY_AFTER_SECONDS = 10;

/**
 * The one global guard: every route needs a valid bearer token unless marked `@Public()`, and routes
 * marked `@RequireAdmin()` need the admin role. A token is a static `API_TOKENS` entry or an OIDC
 * access token (JWT). On success the request carries the `Principal` (`@CurrentPrincipal()`).
 *
 * Answers: 401 + `WWW-Authenticate: Bearer …` (RFC 6750) for a missing, malformed or refused token,
 * 403 for a valid token without the admin role, 503 when the provider's key set cannot be fetched. The
 * token itself is never logged nor repeated in an answer.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  private readonly logger = new Logger(BearerAuthGuard.name);
  private readonly adminRole: string;

  constructor(
    private readonly reflector: Reflector,
    private readonly staticTokens: StaticTokenVerifier,
    private readonly jwt: JwtVerifier,
    config: ConfigService<AppConfig, true>,
  ) {
    this.adminRole = config.get('auth', { infer: true }).adminRole;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Only HTTP exists here; fail closed should another transport ever be added without thought.
    if (context.getType() !== 'http') return false;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets)) return true;

    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const response = http.getResponse<Response>();
    const principal = await this.authenticate(request, response);
    request.principal = principal;

    if (this.reflector.getAllAndOverride<boolean | undefined>(REQUIRE_ADMIN, targets) && !principal.isAdmin) {
      this.logger.debug(
        {
          kind: principal.kind,
          subject: principal.subject,
          method: request.method,
          url: request.originalUrl,
        },
        'Refused: admin role required',
      );
      response.setHeader('WWW-Authenticate', 'Bearer error="insufficient_scope"');
      throw new ForbiddenException(AUTH_MESSAGES.forbidden(this.adminRole));
    }
    return true;
  }

  private async authenticate(request: AuthenticatedRequest, response: Response): Promise<Principal> {
    try {
      return await this.verify(request.headers.authorization);
    } catch (error) {
      if (error instanceof TokenRejectedError) {
        this.logger.debug(
          { reason: error.message, method: request.method, url: request.originalUrl },
          'Refused: bearer token not accepted',
        );
        response.setHeader('WWW-Authenticate', wwwAuthenticate(error));
        throw new UnauthorizedException(error.message);
      }
      if (error instanceof KeySetUnavailableError) {
        response.setHeader('Retry-After', String(KEY_SET_RETRY_AFTER_SECONDS));
        throw new ServiceUnavailableException(error.message);
      }
      throw error;
    }
  }

  private async verify(header: string | undefined): Promise<Principal> {
    if (header === undefined || header.trim() === '') {
      throw new TokenRejectedError(AUTH_MESSAGES.missingToken);
    }
    const token = BEARER.exec(header)?.[1];
    if (!token) throw new TokenRejectedError(AUTH_MESSAGES.malformedHeader, 'invalid_request');
    if (!this.staticTokens.enabled && !this.jwt.enabled) {
      throw new TokenRejectedError(AUTH_MESSAGES.notConfigured, 'invalid_token');
    }
    // Static tokens first: a constant-time hash compare, no network, and it keeps working while the
    // identity provider is down.
    const principal = this.staticTokens.verify(token);
    if (principal) return principal;
    if (looksLikeJwt(token)) return this.jwt.verify(token);
    throw new TokenRejectedError(AUTH_MESSAGES.invalidToken, 'invalid_token');
  }
}

/** RFC 6750 §3: no error code when no credentials were sent; the quoted description is kept header-safe. */
function wwwAuthenticate(error: TokenRejectedError): string {
  if (!error.bearerError) return 'Bearer';
  const description = error.message.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '');
  return `Bearer error="${error.bearerError}", error_description="${description}"`;
}
