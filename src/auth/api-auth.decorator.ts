import { applyDecorators } from '@nestjs/common';
import { GUARDS_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  type SchemaObject,
} from '@nestjs/swagger';
import { BEARER_AUTH } from '../http/swagger.js';
import { AUTH_MESSAGES } from './auth.errors.js';
import { IS_PUBLIC } from './public.decorator.js';
import { REQUIRE_ADMIN } from './require-admin.decorator.js';
import { TriggerThrottlerGuard } from './trigger-throttler.guard.js';

export interface ApiAuthOptions {
  /** Document the 403 of `@RequireAdmin()` (default: detected from the route's metadata). */
  admin?: boolean;
  /** Document the 429 of `@TriggerThrottle()` (default: detected from the route's metadata). */
  throttled?: boolean;
}

/** Marks a handler as documented, so a class-level `@ApiAuth()` does not document it twice. */
const DOCUMENTED = 'auth:apiAuthDocumented';

function errorSchema(statusCode: number, error: string, message: string): SchemaObject {
  return {
    type: 'object',
    required: ['statusCode', 'error', 'message'],
    properties: {
      statusCode: { type: 'integer', example: statusCode },
      error: { type: 'string', example: error },
      message: { type: 'string', example: message },
    },
  };
}

const example = (summary: string, statusCode: number, error: string, message: string) => ({
  summary,
  value: { statusCode, error, message },
});

/**
 * Documents in OpenAPI what the global `BearerAuthGuard` (and `@TriggerThrottle()`) may answer: the bearer
 * scheme, 401, 503 (key set unavailable), 403 on `@RequireAdmin()` routes and 429 on `@TriggerThrottle()`
 * routes. It only documents; protection comes from the guard and those decorators.
 *
 * Put it on the controller class: it documents each route handler that is not `@Public()`, detecting
 * admin and throttled routes itself. On a single handler it works too (options override detection;
 * place it above `@RequireAdmin()`/`@TriggerThrottle()` for detection, as decorators apply bottom-up).
 */
export function ApiAuth(options: ApiAuthOptions = {}): MethodDecorator & ClassDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    if (descriptor && key !== undefined) {
      documentHandler(target, key, descriptor, options);
      return;
    }
    // Class decorators run after member decorators, so every handler's route metadata is in place.
    const prototype = (target as { prototype: object }).prototype;
    if (Reflect.getMetadata(IS_PUBLIC, target)) return;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const member = Object.getOwnPropertyDescriptor(prototype, name);
      if (name === 'constructor' || typeof member?.value !== 'function') continue;
      const handler = member.value as object;
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      if (Reflect.getMetadata(IS_PUBLIC, handler)) continue;
      documentHandler(prototype, name, member, options);
    }
  };
}

function documentHandler(
  target: object,
  key: string | symbol,
  descriptor: PropertyDescriptor,
  options: ApiAuthOptions,
): void {
  const handler = descriptor.value as object;
  if (Reflect.getMetadata(DOCUMENTED, handler)) return;
  Reflect.defineMetadata(DOCUMENTED, true, handler);
  const guards = (Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined) ?? [];
  const admin = options.admin ?? Reflect.getMetadata(REQUIRE_ADMIN, handler) === true;
  const throttled = options.throttled ?? guards.includes(TriggerThrottlerGuard);
  applyDecorators(...authResponses({ admin, throttled }))(target, key, descriptor);
}

function authResponses(options: Required<ApiAuthOptions>): Array<MethodDecorator & ClassDecorator> {
  const decorators: Array<MethodDecorator & ClassDecorator> = [
    ApiBearerAuth(BEARER_AUTH),
    ApiUnauthorizedResponse({
      description:
        'No bearer token, a malformed `Authorization` header, or a token that is not accepted (the message says why: expired, not yet valid, wrong issuer or audience, bad signature, unknown key, refused algorithm). Carries `WWW-Authenticate: Bearer …`.',
      headers: {
        'WWW-Authenticate': {
          description:
            'RFC 6750 challenge, e.g. `Bearer error="invalid_token", error_description="Token expired"`',
          schema: { type: 'string' },
        },
      },
      content: {
        'application/json': {
          schema: errorSchema(401, 'Unauthorized', AUTH_MESSAGES.missingToken),
          examples: {
            missing: example('No token', 401, 'Unauthorized', AUTH_MESSAGES.missingToken),
            malformed: example('Not "Bearer <token>"', 401, 'Unauthorized', AUTH_MESSAGES.malformedHeader),
            invalid: example('Unknown static token', 401, 'Unauthorized', AUTH_MESSAGES.invalidToken),
            expired: example('Expired JWT', 401, 'Unauthorized', AUTH_MESSAGES.expired),
            audience: example('JWT for another API', 401, 'Unauthorized', AUTH_MESSAGES.audience),
          },
        },
      },
    }),
    ApiServiceUnavailableResponse({
      description:
        "A JWT could not be checked because the identity provider's key set (`AUTH_JWKS_URL`) is unreachable; retry after `Retry-After` seconds. Static tokens are unaffected.",
      headers: { 'Retry-After': { description: 'seconds', schema: { type: 'integer' } } },
      schema: errorSchema(503, 'Service Unavailable', AUTH_MESSAGES.keySetUnavailable),
    }),
  ];
  if (options.admin) {
    decorators.push(
      ApiForbiddenResponse({
        description: 'The token is valid but does not carry the admin role (`AUTH_ADMIN_ROLE`).',
        schema: errorSchema(403, 'Forbidden', AUTH_MESSAGES.forbidden('admin')),
      }),
    );
  }
  if (options.throttled) {
    decorators.push(
      ApiTooManyRequestsResponse({
        description:
          'More job triggers than `TRIGGER_RATE_LIMIT_PER_MINUTE` in the last minute with this token; nothing was run.',
        headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } },
        schema: errorSchema(
          429,
          'Too Many Requests',
          'Too many job triggers: at most 10 per minute per token; retry in 42 s',
        ),
      }),
    );
  }
  return decorators;
}
