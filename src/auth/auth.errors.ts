/**
 * What the API answers when a bearer token is refused. Messages name the reason an operator or a client
 * can act on and never contain the token (nor any part of it).
 */
export const AUTH_MESSAGES = {
  missingToken: 'Missing bearer token',
  malformedHeader: 'Malformed Authorization header (expected "Bearer <token>")',
  notConfigured:
    'Bearer tokens cannot be verified: the server has neither API_TOKENS nor AUTH_JWKS_URL configured',
  invalidToken: 'Invalid token',
  jwtNotEnabled: 'Invalid token (this server does not accept JWTs: AUTH_JWKS_URL is not set)',
  malformedJwt: 'Invalid token (not a well-formed signed JWT)',
  expired: 'Token expired',
  notYetValid: 'Token not yet valid',
  issuer: 'Token issuer is not accepted',
  audience: 'Token audience is not accepted',
  signature: 'Token signature is invalid',
  unknownKey: 'Token signing key is not in the trusted key set',
  ambiguousKey: 'Token signing key is ambiguous (several keys in the key set match)',
  unsigned: 'Token algorithm none is not accepted (unsigned tokens are refused)',
  notAccessToken: 'Token is not an access token',
  keySetUnavailable: 'Token could not be verified: the key set is unavailable',
  algorithm: (alg: string): string => `Token algorithm ${alg} is not accepted (asymmetric keys only)`,
  claim: (claim: string): string => `Token claim "${claim}" is invalid`,
  forbidden: (role: string): string => `This action needs the "${role}" role, which the token does not carry`,
} as const;

/** A token (or its absence) that does not authenticate the caller: answered with 401. */
export class TokenRejectedError extends Error {
  constructor(
    message: string,
    /** RFC 6750 error code for the `WWW-Authenticate` header; absent when no credentials were sent. */
    readonly bearerError?: 'invalid_request' | 'invalid_token',
  ) {
    super(message);
    this.name = 'TokenRejectedError';
  }
}

/**
 * The identity provider's key set could not be fetched and no usable copy is cached: the token may well be
 * valid, so this is the server's problem (503), not the caller's (401).
 */
export class KeySetUnavailableError extends Error {
  constructor(options?: { cause?: unknown }) {
    super(AUTH_MESSAGES.keySetUnavailable, options);
    this.name = 'KeySetUnavailableError';
  }
}
