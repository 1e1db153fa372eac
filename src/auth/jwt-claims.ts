import type { JWTPayload } from 'jose';

/* What a verified token's claims say, wherever the provider puts it: pure functions over the payload. */

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** A compact JWS (three base64url segments; the signature may be empty for `alg: none`). */
export function looksLikeJwt(token: string): boolean {
  return JWT_SHAPE.test(token);
}

export function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return value.length > 0 ? [value] : [];
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === 'string' && item.length > 0);
}

export function member(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Roles of a verified token, wherever the provider puts them: Keycloak realm roles (`realm_access.roles`),
 * Keycloak client roles of the API (`resource_access.<audience>.roles`, for each audience), or a plain
 * `roles` claim (Auth0 Actions, most other providers).
 */
export function rolesFromClaims(payload: JWTPayload, audiences: readonly string[]): string[] {
  const roles = new Set<string>(stringsOf(member(member(payload, 'realm_access'), 'roles')));
  const resourceAccess = member(payload, 'resource_access');
  for (const audience of audiences) {
    for (const role of stringsOf(member(member(resourceAccess, audience), 'roles'))) roles.add(role);
  }
  for (const role of stringsOf(member(payload, 'roles'))) roles.add(role);
  return [...roles];
}

/** `sub`, else the client of a client-credentials token (`azp` in Keycloak, `client_id` elsewhere). */
export function subjectOf(payload: JWTPayload): string | undefined {
  return [payload.sub, member(payload, 'azp'), member(payload, 'client_id')].find(
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
}
