import { applyDecorators } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { ApiBearerAuth } from '@nestjs/swagger';
import { BEARER_AUTH } from '../http/openapi/complete-document.js';
import { ApiErrorResponse, errorExample } from '../http/openapi/error-schemas.js';
import { AUTH_MESSAGES } from './auth.errors.js';
import { IS_PUBLIC } from './public.decorator.js';
import { REQUIRE_ADMIN } from './require-admin.decorator.js';
import { TRIGGER_THROTTLED } from './trigger-throttle.decorator.js';

export interface ApiAuthOptions {
  /** Document the 403 of `@RequireAdmin()` (default: detected from the route's metadata). */
  admin?: boolean;
  /** Document the 429 of `@TriggerThrottle()` (default: detected from the route's metadata). */
  throttled?: boolean;
}

/** Marks a handler as documented, so a class-level `@ApiAuth()` does not document it twice. */
const DOCUMENTED = 'auth:apiAuthDocumented';

/**
 * Documents in OpenAPI what the global `BearerAuthGuard` (and `@TriggerThrottle()`) may answer: the bearer
 * scheme, 401, 403 on `@RequireAdmin()` routes and 429 on `@TriggerThrottle()`
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
  const admin = options.admin ?? Reflect.getMetadata(REQUIRE_ADMIN, handler) === true;
  const throttled = options.throttled ?? Reflect.getMetadata(TRIGGER_THROTTLED, handler) === true;
  applyDecorators(...authResponses({ admin, throttled }))(target, key, descriptor);
}

function authResponses(options: Required<ApiAuthOptions>): Array<MethodDecorator & ClassDecorator> {
  // The JWKS-down 503 is added to every bearer route by the document's completion, merged with the 503 a
  // route may declare itself (a trigger's "shutting down").
  const decorators: Array<MethodDecorator & ClassDecorator> = [
    ApiBearerAuth(BEARER_AUTH),
    ApiErrorResponse({
      status: 401,
      description:
        'No bearer token, a malformed `Authorization` header, or a token that is not accepted (the message says why: expired, not yet valid, wrong issuer or audience, bad signature, unknown key, refused algorithm). Carries `WWW-Authenticate: Bearer …`.',
      headers: {
        'WWW-Authenticate': {
          description:
            'RFC 6750 challenge, e.g. `Bearer error="invalid_token", error_description="Token expired"`',
          schema: { type: 'string' },
        },
      },
      examples: [
        errorExample('No token', 401, AUTH_MESSAGES.missingToken),
        errorExample('Not "Bearer <token>"', 401, AUTH_MESSAGES.malformedHeader),
        errorExample('Unknown static token', 401, AUTH_MESSAGES.invalidToken),
        errorExample('Expired JWT', 401, AUTH_MESSAGES.expired),
        errorExample('JWT for another API', 401, AUTH_MESSAGES.audience),
        errorExample('No token configured on the server', 401, AUTH_MESSAGES.notConfigured),
      ],
    }),
  ];
  if (options.admin) {
    decorators.push(
      ApiErrorResponse({
        status: 403,
        description: 'The token is valid but does not carry the admin role (`AUTH_ADMIN_ROLE`).',
        examples: [errorExample('Not an admin', 403, AUTH_MESSAGES.forbidden('admin'))],
      }),
    );
  }
  if (options.throttled) {
    decorators.push(
      ApiErrorResponse({
        status: 429,
        description:
          'More job triggers than `TRIGGER_RATE_LIMIT_PER_MINUTE` in the last minute with this token; nothing was run.',
        headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } },
        examples: [
          errorExample(
            'Too many triggers',
            429,
            'Too many job triggers: at most 10 per minute per token; retry in 42 s',
          ),
        ],
      }),
    );
  }
  return decorators;
}
