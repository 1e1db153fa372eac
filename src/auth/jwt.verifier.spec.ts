import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TestJwksServer } from '../../test/support/jwks.js';
import type { AppConfig } from '../config/app-config.js';
import { parseEnv } from '../config/env.schema.js';
import type { Environment } from '../config/environment.js';
import { AUTH_MESSAGES, KeySetUnavailableError, TokenRejectedError } from './auth.errors.js';
import {
  ACCEPTED_ALGORITHMS,
  DEFAULT_JWKS_OPTIONS,
  JwtVerifier,
  looksLikeJwt,
  rolesFromClaims,
  type JwksOptions,
} from './jwt.verifier.js';

/** Windows of zero: every unknown kid refetches, every use of the cache revalidates (nothing waits). */
const EAGER: JwksOptions = { ...DEFAULT_JWKS_OPTIONS, cooldownMs: 0, timeoutMs: 2000 };

function verifierFor(env: Environment, options: Partial<JwksOptions> = {}): JwtVerifier {
  const config = new ConfigService<AppConfig, true>(parseEnv(env));
  return new JwtVerifier(config, { ...EAGER, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('rolesFromClaims', () => {
  it('reads Keycloak realm roles', () => {
    expect(rolesFromClaims({ realm_access: { roles: ['admin', 'reader'] } }, [])).toEqual([
      'admin',
      'reader',
    ]);
  });

  it('reads Keycloak client roles of the given audiences only', () => {
    const payload = {
      resource_access: {
        'crypto-pocket-butler': { roles: ['admin'] },
        account: { roles: ['manage-account'] },
      },
    };
    expect(rolesFromClaims(payload, ['crypto-pocket-butler'])).toEqual(['admin']);
    expect(rolesFromClaims(payload, ['another-api'])).toEqual([]);
  });

  it('reads a plain roles claim, as an array or a single string', () => {
    expect(rolesFromClaims({ roles: ['admin'] }, [])).toEqual(['admin']);
    expect(rolesFromClaims({ roles: 'admin' }, [])).toEqual(['admin']);
  });

  it('merges all sources without duplicates', () => {
    const payload = {
      realm_access: { roles: ['reader', 'admin'] },
      resource_access: { api: { roles: ['admin', 'ops'] } },
      roles: ['ops', 'auditor'],
    };
    expect(rolesFromClaims(payload, ['api']).sort()).toEqual(['admin', 'auditor', 'ops', 'reader']);
  });

  it('ignores malformed shapes and inherited properties instead of throwing', () => {
    expect(rolesFromClaims({ realm_access: 'admin' }, [])).toEqual([]);
    expect(rolesFromClaims({ realm_access: { roles: [1, null, '', 'admin', { role: 'x' }] } }, [])).toEqual([
      'admin',
    ]);
    expect(rolesFromClaims({ resource_access: null }, ['api'])).toEqual([]);
    expect(rolesFromClaims({ resource_access: {} }, ['__proto__', 'constructor', 'toString'])).toEqual([]);
    expect(rolesFromClaims({ roles: { admin: true } }, [])).toEqual([]);
  });
});

describe('algorithm allow-list', () => {
  it('holds asymmetric algorithms only', () => {
    expect(ACCEPTED_ALGORITHMS).toEqual(expect.arrayContaining(['RS256', 'PS256', 'ES256', 'EdDSA']));
    for (const alg of ACCEPTED_ALGORITHMS) expect(alg).toMatch(/^(RS|PS|ES)\d{3}$|^EdDSA$|^Ed25519$/);
    expect(ACCEPTED_ALGORITHMS).not.toContain('none');
    expect(ACCEPTED_ALGORITHMS.some((alg) => alg.startsWith('HS'))).toBe(false);
  });

  it('recognises compact JWS shapes only', () => {
    expect(looksLikeJwt('aaa.bbb.ccc')).toBe(true);
    expect(looksLikeJwt('aaa.bbb.')).toBe(true);
    expect(looksLikeJwt('0123456789abcdef0123456789abcdef')).toBe(false);
    expect(looksLikeJwt('a.b.c.d.e')).toBe(false);
    expect(looksLikeJwt('a b.c.d')).toBe(false);
  });
});

describe('JwtVerifier', () => {
  let idp: TestJwksServer;
  let verifier: JwtVerifier;
  const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

  beforeAll(async () => {
    idp = await TestJwksServer.start();
  });

  afterAll(async () => {
    await idp?.close();
    warn.mockRestore();
  });

  beforeEach(() => {
    idp.setAvailable(true);
    verifier = verifierFor(idp.env());
  });

  it('accepts RS256 and ES256 tokens of the provider and builds the principal', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const token = await idp.mint({ realm_access: { roles: ['admin'] } }, { alg, subject: `user-${alg}` });
      expect(await verifier.verify(token)).toEqual({
        kind: 'jwt',
        subject: `user-${alg}`,
        roles: ['admin'],
        isAdmin: true,
        rateKey: `jwt:${idp.issuer}|user-${alg}`,
      });
    }
  });

  it('tells readers from admins by AUTH_ADMIN_ROLE', async () => {
    const reader = await verifier.verify(await idp.mint({ realm_access: { roles: ['reader'] } }));
    expect(reader.isAdmin).toBe(false);
    const custom = verifierFor({ ...idp.env(), AUTH_ADMIN_ROLE: 'butler-admin' });
    expect((await custom.verify(await idp.mint({ roles: ['admin'] }))).isAdmin).toBe(false);
    expect((await custom.verify(await idp.mint({ roles: ['butler-admin'] }))).isAdmin).toBe(true);
  });

  it('refuses alg none and symmetric algorithms before looking for a key, naming the algorithm', async () => {
    const fetches = idp.fetches;
    await expect(verifier.verify(idp.unsigned({ roles: ['admin'] }))).rejects.toThrow(AUTH_MESSAGES.unsigned);
    await expect(verifier.verify(await idp.hs256({ roles: ['admin'] }))).rejects.toThrow(
      AUTH_MESSAGES.algorithm('HS256'),
    );
    await expect(verifier.verify(await idp.hs256({}, 'any shared secret at all'))).rejects.toThrow(
      'Token algorithm HS256 is not accepted (asymmetric keys only)',
    );
    expect(idp.fetches).toBe(fetches);
  });

  it('answers each bad token with its own message, as a TokenRejectedError', async () => {
    for (const [name, bad] of Object.entries(await idp.badTokens())) {
      const error = await rejection(verifier.verify(bad.token));
      expect(error, name).toBeInstanceOf(TokenRejectedError);
      expect(error.message, name).toBe(bad.message);
      expect(error.message, name).not.toContain(bad.token);
    }
  });

  it('allows up to 30 s of clock skew on exp and nbf, not more', async () => {
    await expect(verifier.verify(await idp.mint({}, { expiresIn: -20 }))).resolves.toBeDefined();
    await expect(verifier.verify(await idp.mint({}, { notBefore: 20 }))).resolves.toBeDefined();
    await expect(verifier.verify(await idp.mint({}, { expiresIn: -40 }))).rejects.toThrow(
      AUTH_MESSAGES.expired,
    );
    await expect(verifier.verify(await idp.mint({}, { notBefore: 40 }))).rejects.toThrow(
      AUTH_MESSAGES.notYetValid,
    );
    expect(() => verifierFor(idp.env(), { clockToleranceSeconds: 31 })).toThrow(/between 0 and 30 s/);
  });

  it('requires exp: a token that never expires is refused', async () => {
    await expect(verifier.verify(await idp.mint({}, { expiresIn: null }))).rejects.toThrow(
      'Token claim "exp" is invalid',
    );
  });

  it('requires every configured audience in aud', async () => {
    const both = verifierFor({ ...idp.env(), AUTH_AUDIENCE: 'api-a,api-b' });
    await expect(
      both.verify(await idp.mint({}, { audience: ['api-a', 'api-b', 'x'] })),
    ).resolves.toBeDefined();
    await expect(both.verify(await idp.mint({}, { audience: ['api-a'] }))).rejects.toThrow(
      AUTH_MESSAGES.audience,
    );
    await expect(both.verify(await idp.mint({}, { audience: null }))).rejects.toThrow(AUTH_MESSAGES.audience);
  });

  it('without AUTH_AUDIENCE, reads client roles of the audiences the token names', async () => {
    const open = verifierFor(idp.env({ audience: null }));
    const token = await idp.mint(
      { resource_access: { 'some-api': { roles: ['admin'] }, other: { roles: ['x'] } } },
      { audience: 'some-api' },
    );
    expect(await open.verify(token)).toMatchObject({ roles: ['admin'], isAdmin: true });
  });

  it('without AUTH_ISSUER, accepts any issuer the key set signed for', async () => {
    const open = verifierFor(idp.env({ issuer: null }));
    const principal = await open.verify(await idp.mint({}, { issuer: 'https://other.example.com' }));
    expect(principal.rateKey).toBe('jwt:https://other.example.com|user-1');
  });

  it('refuses Keycloak ID and refresh tokens presented as access tokens', async () => {
    for (const typ of ['ID', 'Refresh']) {
      await expect(verifier.verify(await idp.mint({ typ }))).rejects.toThrow(AUTH_MESSAGES.notAccessToken);
    }
    await expect(verifier.verify(await idp.mint({ typ: 'Bearer' }))).resolves.toBeDefined();
  });

  it('names client-credentials tokens by azp when there is no sub', async () => {
    const principal = await verifier.verify(await idp.mint({ azp: 'ci-pipeline' }, { subject: null }));
    expect(principal.subject).toBe('ci-pipeline');
    await expect(verifier.verify(await idp.mint({}, { subject: null }))).rejects.toThrow(
      'Token claim "sub" is invalid',
    );
  });

  it('picks up rotated keys: a new kid refetches the key set', async () => {
    const rotating = await TestJwksServer.start();
    try {
      const local = verifierFor(rotating.env());
      await local.verify(await rotating.mint());
      const oldToken = await rotating.mint();
      await rotating.rotate();
      await expect(local.verify(await rotating.mint({}, { alg: 'ES256' }))).resolves.toBeDefined();
      await expect(local.verify(await rotating.mint())).resolves.toBeDefined();
      // The old key is gone from the set, so its still-unexpired tokens are refused.
      await expect(local.verify(oldToken)).rejects.toThrow(AUTH_MESSAGES.unknownKey);
    } finally {
      await rotating.close();
    }
  });

  it('does not refetch for unknown kids during the cooldown', async () => {
    const cooled = verifierFor(idp.env(), { cooldownMs: 60_000 });
    await cooled.verify(await idp.mint());
    const fetches = idp.fetches;
    const foreign = await idp.foreignKey();
    for (let i = 0; i < 5; i++) {
      await expect(cooled.verify(await idp.mint({}, { key: foreign }))).rejects.toThrow(
        AUTH_MESSAGES.unknownKey,
      );
    }
    expect(idp.fetches).toBe(fetches);
  });

  it('answers KeySetUnavailableError when the key set was never fetched and cannot be', async () => {
    idp.setAvailable(false);
    const error = await rejection(verifier.verify(await idp.mint()));
    expect(error).toBeInstanceOf(KeySetUnavailableError);
    expect(error.message).toBe(AUTH_MESSAGES.keySetUnavailable);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ jwksUrl: idp.jwksUrl, state: 'no cached keys' }),
      expect.stringContaining(`JWKS at ${idp.jwksUrl} could not be fetched`),
    );
  });

  it('keeps verifying with recently fetched keys while the provider is down, within maxStaleMs', async () => {
    // cacheMaxAge 0: every verification tries to refetch, so an outage is hit at once.
    const staleOk = verifierFor(idp.env(), { cacheMaxAgeMs: 0, retryAfterFailureMs: 0 });
    await staleOk.verify(await idp.mint());
    idp.setAvailable(false);
    await expect(staleOk.verify(await idp.mint({}, { subject: 'during-outage' }))).resolves.toMatchObject({
      subject: 'during-outage',
    });
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ state: 'serving cached keys' }),
      expect.any(String),
    );
    // Stale keys still refuse what they should.
    await expect(staleOk.verify((await idp.badTokens()).badSignature.token)).rejects.toThrow(
      AUTH_MESSAGES.signature,
    );

    const tooOld = verifierFor(idp.env(), { cacheMaxAgeMs: 0, maxStaleMs: 60_000, retryAfterFailureMs: 0 });
    idp.setAvailable(true);
    await tooOld.verify(await idp.mint());
    idp.setAvailable(false);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    try {
      await expect(tooOld.verify(await idp.mint())).rejects.toBeInstanceOf(KeySetUnavailableError);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is disabled without AUTH_JWKS_URL and then refuses JWTs with a message saying so', async () => {
    const none = verifierFor({});
    expect(none.enabled).toBe(false);
    await expect(none.verify(await idp.mint())).rejects.toThrow(AUTH_MESSAGES.jwtNotEnabled);
  });
});
