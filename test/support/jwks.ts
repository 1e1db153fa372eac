import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { AUTH_MESSAGES } from '../../src/auth/auth.errors.js';
import type { Environment } from '../../src/config/environment.js';

/** Algorithms the test provider signs with: one RSA and one EC key are published at any time. */
export type TestAlgorithm = 'RS256' | 'ES256';

export interface TestKey {
  kid: string;
  alg: TestAlgorithm;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface MintOptions {
  /** Which published key signs (default RS256). */
  alg?: TestAlgorithm;
  /** Sign with this key instead of a published one (e.g. `server.foreignKey()` for an unknown kid). */
  key?: TestKey;
  /** Override the `kid` header (e.g. a published kid on a foreign key = bad signature). */
  kid?: string;
  /** Seconds from now; negative = in the past. Default 300. `null` = no `exp` claim. */
  expiresIn?: number | null;
  /** Seconds from now for `nbf`; unset = no `nbf` claim. */
  notBefore?: number;
  /** Default: the server's issuer. `null` = no `iss` claim. */
  issuer?: string | null;
  /** Default: the server's audience. `null` = no `aud` claim. */
  audience?: string | string[] | null;
  /** Default `user-1`. `null` = no `sub` claim. */
  subject?: string | null;
  /** Extra protected-header parameters (e.g. `{ typ: 'at+jwt' }`). */
  header?: Record<string, unknown>;
}

/** A refused token together with the 401 message the API must answer for it. */
export interface BadToken {
  token: string;
  message: string;
}

export type BadTokenName =
  | 'expired'
  | 'notYetValid'
  | 'wrongIssuer'
  | 'wrongAudience'
  | 'algNone'
  | 'hs256'
  | 'badSignature'
  | 'unknownKid'
  | 'garbage';

export interface TestJwksServerOptions {
  /** Default: `<base url>/realms/test` (a Keycloak-looking issuer on the server itself). */
  issuer?: string;
  /** Default `crypto-pocket-butler`. */
  audience?: string;
}

const now = (): number => Math.floor(Date.now() / 1000);

async function newKey(alg: TestAlgorithm): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const kid = `${alg.toLowerCase()}-${randomBytes(6).toString('hex')}`;
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

async function newKeyPairSet(): Promise<Record<TestAlgorithm, TestKey>> {
  const [rs, es] = await Promise.all([newKey('RS256'), newKey('ES256')]);
  return { RS256: rs, ES256: es };
}

/**
 * A fake OIDC provider on loopback: publishes a JWKS (one RS256 and one ES256 key) at `jwksUrl`, signs
 * tokens with those keys (`mint`), rotates them (`rotate`), goes down on demand (`setAvailable(false)`)
 * and makes every kind of refused token (`badTokens`). Point the service at it with `env()`.
 */
export class TestJwksServer {
  /** How many times the JWKS was fetched (rotation and caching tests count them). */
  fetches = 0;
  private keys!: Record<TestAlgorithm, TestKey>;
  /** Keys still published after `rotate({ keepPrevious: true })`. */
  private previous: TestKey[] = [];
  private available = true;
  private baseUrl = '';
  private issuerOverride: string | undefined;
  readonly audience: string;

  private readonly server: Server;

  private constructor(options: TestJwksServerOptions) {
    this.issuerOverride = options.issuer;
    this.audience = options.audience ?? 'crypto-pocket-butler';
    this.server = createServer((request, response) => this.handle(request.url ?? '', response));
  }

  static async start(options: TestJwksServerOptions = {}): Promise<TestJwksServer> {
    const instance = new TestJwksServer(options);
    instance.keys = await newKeyPairSet();
    await new Promise<void>((resolve) => instance.server.listen(0, '127.0.0.1', resolve));
    instance.baseUrl = `http://127.0.0.1:${(instance.server.address() as AddressInfo).port}`;
    return instance;
  }

  get jwksUrl(): string {
    return `${this.baseUrl}/realms/test/protocol/openid-connect/certs`;
  }

  get issuer(): string {
    return this.issuerOverride ?? `${this.baseUrl}/realms/test`;
  }

  /** The variables that make the service trust this provider (merge over the rest of the test env). */
  env(overrides: { audience?: string | null; issuer?: string | null } = {}): Environment {
    return {
      AUTH_JWKS_URL: this.jwksUrl,
      AUTH_ISSUER: overrides.issuer === null ? undefined : (overrides.issuer ?? this.issuer),
      AUTH_AUDIENCE: overrides.audience === null ? undefined : (overrides.audience ?? this.audience),
    };
  }

  /** The currently published key for `alg`. */
  key(alg: TestAlgorithm = 'RS256'): TestKey {
    return this.keys[alg];
  }

  /** A fresh key that is not published (its tokens have an unknown kid). */
  async foreignKey(alg: TestAlgorithm = 'RS256'): Promise<TestKey> {
    return newKey(alg);
  }

  /**
   * Replaces both published keys with new ones (new kids), as a provider does on key rotation.
   * `keepPrevious` keeps publishing the old keys too (the usual overlap window).
   */
  async rotate(options: { keepPrevious?: boolean } = {}): Promise<void> {
    const old = Object.values(this.keys);
    this.keys = await newKeyPairSet();
    this.previous = options.keepPrevious ? old : [];
  }

  /** While unavailable, the JWKS answers 503 (as an identity provider under maintenance would). */
  setAvailable(available: boolean): void {
    this.available = available;
  }

  /** Signs a token: default claims (iss, aud, sub, iat, exp in 5 min) merged with `claims`. */
  async mint(claims: JWTPayload = {}, options: MintOptions = {}): Promise<string> {
    const key = options.key ?? this.keys[options.alg ?? 'RS256'];
    const payload: JWTPayload = { ...claims };
    const issuedAt = now();
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ typ: 'JWT', ...options.header, alg: key.alg, kid: options.kid ?? key.kid })
      .setIssuedAt(issuedAt);
    if (options.issuer !== null) jwt.setIssuer(options.issuer ?? this.issuer);
    if (options.audience !== null) jwt.setAudience(options.audience ?? this.audience);
    if (options.subject !== null) jwt.setSubject(options.subject ?? 'user-1');
    if (options.expiresIn !== null) jwt.setExpirationTime(issuedAt + (options.expiresIn ?? 300));
    if (options.notBefore !== undefined) jwt.setNotBefore(issuedAt + options.notBefore);
    return jwt.sign(key.privateKey);
  }

  /** An unsigned token (`alg: none`) with otherwise valid claims. */
  unsigned(claims: JWTPayload = {}): string {
    return new UnsecuredJWT({ sub: 'user-1', ...claims })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode();
  }

  /**
   * An HS256 token with otherwise valid claims, carrying a published kid. `secret` defaults to the RSA
   * key's public JWK `n` — the algorithm-confusion forgery (public key used as HMAC secret).
   */
  async hs256(claims: JWTPayload = {}, secret?: string): Promise<string> {
    const rsa = this.keys.RS256;
    const bytes = new TextEncoder().encode(secret ?? String(rsa.publicJwk.n));
    return new SignJWT({ sub: 'user-1', ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: rsa.kid })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(bytes);
  }

  /** Every kind of refused JWT, each with the exact 401 message (for tables of auth cases). */
  async badTokens(
    claims: JWTPayload = { realm_access: { roles: ['admin'] } },
  ): Promise<Record<BadTokenName, BadToken>> {
    const foreign = await this.foreignKey();
    return {
      expired: { token: await this.mint(claims, { expiresIn: -120 }), message: AUTH_MESSAGES.expired },
      notYetValid: {
        token: await this.mint(claims, { notBefore: 120 }),
        message: AUTH_MESSAGES.notYetValid,
      },
      wrongIssuer: {
        token: await this.mint(claims, { issuer: 'https://evil.example.com/realms/test' }),
        message: AUTH_MESSAGES.issuer,
      },
      wrongAudience: {
        token: await this.mint(claims, { audience: 'some-other-api' }),
        message: AUTH_MESSAGES.audience,
      },
      algNone: { token: this.unsigned(claims), message: AUTH_MESSAGES.unsigned },
      hs256: { token: await this.hs256(claims), message: AUTH_MESSAGES.algorithm('HS256') },
      // A key the provider never published, presented under a published kid.
      badSignature: {
        token: await this.mint(claims, { key: foreign, kid: this.keys.RS256.kid }),
        message: AUTH_MESSAGES.signature,
      },
      unknownKid: { token: await this.mint(claims, { key: foreign }), message: AUTH_MESSAGES.unknownKey },
      // Three base64url segments whose header is not JSON.
      garbage: { token: 'bm90IGpzb24.bm90IGpzb24.c2ln', message: AUTH_MESSAGES.malformedJwt },
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private handle(url: string, response: ServerResponse): void {
    if (url.split('?')[0] !== new URL(this.jwksUrl).pathname) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    this.fetches++;
    if (!this.available) {
      response.writeHead(503, { 'content-type': 'text/html' }).end('<h1>503 Service Unavailable</h1>');
      return;
    }
    const keys = [...Object.values(this.keys), ...this.previous].map((key) => key.publicJwk);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  }
}
