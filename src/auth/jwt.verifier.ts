import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwksCache,
  jwtVerify,
  type CryptoKey,
  type ExportedJWKSCache,
  type FlattenedJWSInput,
  type JWSAlgorithm,
  type JWSHeaderParameters,
  type JWTPayload,
  type LocalJWKSet,
  type RemoteJWKSet,
} from 'jose';
import type { AppConfig } from '../config/app-config.js';
import { AUTH_MESSAGES, KeySetUnavailableError, TokenRejectedError } from './auth.errors.js';
import { looksLikeJwt, member, rolesFromClaims, stringsOf, subjectOf } from './jwt-claims.js';
import type { Principal } from './principal.types.js';

export { looksLikeJwt, rolesFromClaims };

/**
 * Signature algorithms a JWT may use: asymmetric only. `none` would accept unsigned tokens, and HS* would
 * verify with a shared secret — with a JWKS that means either no key at all or the public key used as an
 * HMAC secret (the classic algorithm-confusion forgery).
 */
export const ACCEPTED_ALGORITHMS: readonly JWSAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** How the identity provider's key set is fetched and cached (tests shorten the windows). */
export interface JwksOptions {
  /** Timeout of one key-set request. */
  timeoutMs: number;
  /** After a successful fetch, how long an unknown `kid` does not trigger another one (limits refetch floods). */
  cooldownMs: number;
  /** Age after which the key set is refetched before use (picks up revoked keys). */
  cacheMaxAgeMs: number;
  /** While the provider is unreachable, keys fetched at most this long ago are still used. */
  maxStaleMs: number;
  /** After a failed fetch, how long stale keys are used without trying again (no per-request timeout). */
  retryAfterFailureMs: number;
  /** Clock skew allowed on `exp` and `nbf`, in seconds (at most 30). */
  clockToleranceSeconds: number;
}

export const JWKS_OPTIONS = Symbol('JWKS_OPTIONS');

export const DEFAULT_JWKS_OPTIONS: JwksOptions = {
  timeoutMs: 5000,
  cooldownMs: 30_000,
  cacheMaxAgeMs: 10 * 60_000,
  maxStaleMs: 60 * 60_000,
  retryAfterFailureMs: 10_000,
  clockToleranceSeconds: 30,
};

/** An `alg` safe to repeat in a message (it comes from the caller). */
const PRINTABLE_ALG = /^[A-Za-z0-9+_-]{1,32}$/;
/** Keycloak marks its ID and refresh tokens in the payload; neither is a credential for an API. */
const NON_ACCESS_TYPES = new Set(['id', 'refresh', 'logout']);

/**
 * Verifies OIDC access tokens against the provider's JWKS (`AUTH_JWKS_URL`): asymmetric signature from a
 * published key, `exp` (required) and `nbf` with bounded clock skew, `iss = AUTH_ISSUER` and every
 * `AUTH_AUDIENCE` in `aud` when configured. Keys are cached; an unknown `kid` refetches the set (at most
 * once per cooldown), which is how a provider's key rotation is picked up. When the provider is down,
 * recently fetched keys keep working for `maxStaleMs`.
 */
@Injectable()
export class JwtVerifier implements OnApplicationBootstrap {
  private readonly logger = new Logger(JwtVerifier.name);
  private readonly auth: AppConfig['auth'];
  private readonly remote: RemoteJWKSet | undefined;
  /** jose writes every successfully fetched key set here; read back to serve stale keys in an outage. */
  private readonly cache: Partial<ExportedJWKSCache> = {};
  private stale: { uat: number; keys: LocalJWKSet } | undefined;
  private failedAt: number | undefined;
  private warnedAt: number | undefined;

  constructor(
    config: ConfigService<AppConfig, true>,
    @Inject(JWKS_OPTIONS) private readonly options: JwksOptions,
  ) {
    this.auth = config.get('auth', { infer: true });
    if (options.clockToleranceSeconds > 30 || options.clockToleranceSeconds < 0) {
      throw new Error(`JWT clock tolerance must be between 0 and 30 s, not ${options.clockToleranceSeconds}`);
    }
    if (this.auth.jwksUrl) {
      this.remote = createRemoteJWKSet(new URL(this.auth.jwksUrl), {
        timeoutDuration: options.timeoutMs,
        cooldownDuration: options.cooldownMs,
        cacheMaxAge: options.cacheMaxAgeMs,
        // jose fills the object in place; it starts empty, which is what Record<string, never> describes.
        [jwksCache]: this.cache as Record<string, never>,
      });
    }
  }

  get enabled(): boolean {
    return this.remote !== undefined;
  }

  /** Fetches the key set once at start-up so a wrong `AUTH_JWKS_URL` shows in the log before any request. */
  onApplicationBootstrap(): void {
    const remote = this.remote;
    if (!remote) return;
    remote.reload().then(
      () => {
        const keys = remote.jwks()?.keys ?? [];
        this.logger.log(
          { jwksUrl: this.auth.jwksUrl, keys: keys.length },
          `Loaded ${keys.length} JWKS key(s)`,
        );
      },
      (error: unknown) => this.warnUnavailable(error, 'start-up'),
    );
  }

  /** The principal of a valid token; throws `TokenRejectedError` (401) or `KeySetUnavailableError` (503). */
  async verify(token: string): Promise<Principal> {
    if (!this.remote) throw new TokenRejectedError(AUTH_MESSAGES.jwtNotEnabled, 'invalid_token');
    this.checkAlgorithm(token);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.resolveKey, {
        algorithms: [...ACCEPTED_ALGORITHMS],
        issuer: this.auth.issuer,
        clockTolerance: this.options.clockToleranceSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw this.translate(error);
    }
    this.checkAudience(payload);
    if (NON_ACCESS_TYPES.has(String(member(payload, 'typ')).toLowerCase())) {
      throw new TokenRejectedError(AUTH_MESSAGES.notAccessToken, 'invalid_token');
    }
    const subject = subjectOf(payload);
    if (!subject) throw new TokenRejectedError(AUTH_MESSAGES.claim('sub'), 'invalid_token');
    const audiences = this.auth.audience.length > 0 ? this.auth.audience : stringsOf(payload.aud);
    const roles = rolesFromClaims(payload, audiences);
    return {
      kind: 'jwt',
      subject,
      roles,
      isAdmin: roles.includes(this.auth.adminRole),
      rateKey: `jwt:${payload.iss ?? ''}|${subject}`,
    };
  }

  /** Refuses `none` and symmetric algorithms before any key lookup, with a message naming the algorithm. */
  private checkAlgorithm(token: string): void {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new TokenRejectedError(AUTH_MESSAGES.malformedJwt, 'invalid_token');
    }
    if (typeof alg !== 'string' || alg.length === 0) {
      throw new TokenRejectedError(AUTH_MESSAGES.malformedJwt, 'invalid_token');
    }
    if (alg.toLowerCase() === 'none') throw new TokenRejectedError(AUTH_MESSAGES.unsigned, 'invalid_token');
    if (!ACCEPTED_ALGORITHMS.includes(alg)) {
      const shown = PRINTABLE_ALG.test(alg) ? alg : '(unprintable)';
      throw new TokenRejectedError(AUTH_MESSAGES.algorithm(shown), 'invalid_token');
    }
  }

  /** jose accepts a token carrying ANY of the expected audiences; the contract is ALL of them. */
  private checkAudience(payload: JWTPayload): void {
    if (this.auth.audience.length === 0) return;
    const present = stringsOf(payload.aud);
    if (!this.auth.audience.every((audience) => present.includes(audience))) {
      throw new TokenRejectedError(AUTH_MESSAGES.audience, 'invalid_token');
    }
  }

  private readonly resolveKey = async (
    header: JWSHeaderParameters,
    token: FlattenedJWSInput,
  ): Promise<CryptoKey> => {
    if (!this.remote) throw new KeySetUnavailableError();
    const stale = this.staleKeys();
    // Right after a failed fetch, stale keys answer at once instead of every request waiting on a timeout.
    if (
      stale &&
      this.failedAt !== undefined &&
      Date.now() - this.failedAt < this.options.retryAfterFailureMs
    ) {
      return stale(header, token);
    }
    try {
      return await this.remote(header, token);
    } catch (error) {
      if (!isFetchFailure(error)) throw error;
      this.failedAt = Date.now();
      this.warnUnavailable(error, stale ? 'serving cached keys' : 'no cached keys');
      if (stale) return stale(header, token);
      throw new KeySetUnavailableError({ cause: error });
    }
  };

  /** The last fetched key set, if it is recent enough to trust while the provider is unreachable. */
  private staleKeys(): LocalJWKSet | undefined {
    const { uat, jwks } = this.cache;
    if (uat === undefined || jwks === undefined || Date.now() - uat > this.options.maxStaleMs)
      return undefined;
    if (this.stale?.uat !== uat) this.stale = { uat, keys: createLocalJWKSet(jwks) };
    return this.stale.keys;
  }

  private warnUnavailable(error: unknown, state: string): void {
    const now = Date.now();
    if (this.warnedAt !== undefined && now - this.warnedAt < this.options.retryAfterFailureMs) return;
    this.warnedAt = now;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      { jwksUrl: this.auth.jwksUrl, reason, state },
      `JWKS at ${this.auth.jwksUrl} could not be fetched (${reason}); ${state}`,
    );
  }

  private translate(error: unknown): Error {
    if (error instanceof TokenRejectedError || error instanceof KeySetUnavailableError) return error;
    const reject = (message: string) => new TokenRejectedError(message, 'invalid_token');
    if (error instanceof errors.JWTExpired) return reject(AUTH_MESSAGES.expired);
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'nbf' && error.reason === 'check_failed') return reject(AUTH_MESSAGES.notYetValid);
      if (error.claim === 'iss') return reject(AUTH_MESSAGES.issuer);
      if (error.claim === 'aud') return reject(AUTH_MESSAGES.audience);
      return reject(AUTH_MESSAGES.claim(error.claim));
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) return reject(AUTH_MESSAGES.signature);
    if (error instanceof errors.JWKSNoMatchingKey) return reject(AUTH_MESSAGES.unknownKey);
    if (error instanceof errors.JWKSMultipleMatchingKeys) return reject(AUTH_MESSAGES.ambiguousKey);
    if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
      return reject(AUTH_MESSAGES.malformedJwt);
    }
    // Anything else jose refuses (unsupported key type, RSA key under 2048 bits, …) is still the token's fault.
    if (error instanceof errors.JOSEError) return reject(AUTH_MESSAGES.invalidToken);
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Errors of fetching the key set (network, timeout, non-200, not a JWKS) as opposed to the token not
 * matching a key that was fetched fine.
 */
function isFetchFailure(error: unknown): boolean {
  if (!(error instanceof errors.JOSEError)) return error instanceof Error;
  return !(
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JOSEAlgNotAllowed
  );
}
