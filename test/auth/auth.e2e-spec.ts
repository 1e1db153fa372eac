import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUTH_MESSAGES } from '../../src/auth/auth.errors.js';
import { buildOpenApiDocument } from '../../src/http/swagger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TestJwksServer } from '../support/jwks.js';
import { handlerCalls, startAuthTestApp, type AuthTestApp } from './auth-test-app.js';

const ADMIN_TOKEN = 'a1'.repeat(16);
const THROTTLED_TOKEN = 'b2'.repeat(16);
const OTHER_TOKEN = 'c3'.repeat(16);
const UNKNOWN_TOKEN = 'd4'.repeat(16);
const TRIGGER_LIMIT = 3;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
  headers: Headers;
}

async function call(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  authorization?: string,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  const response = await fetch(`${baseUrl}/api/v1/auth-test/${path}`, { method, headers });
  const text = await response.text();
  return {
    status: response.status,
    text,
    headers: response.headers,
    body: JSON.parse(text) as Record<string, unknown>,
  };
}

const LOG_METHODS = ['log', 'warn', 'error', 'debug', 'verbose', 'fatal'] as const;
type LogMethod = (typeof LOG_METHODS)[number];

/**
 * Records every call to a Nest logger (all of this service's loggers are Nest `Logger`s), in our own list:
 * vitest clears spies' call lists before each test, and start-up lines are logged in `beforeAll`.
 */
function captureLogs(): Array<{ method: LogMethod; args: unknown[] }> {
  const calls: Array<{ method: LogMethod; args: unknown[] }> = [];
  for (const method of LOG_METHODS) {
    const original = Logger.prototype[method];
    vi.spyOn(Logger.prototype, method).mockImplementation(function (this: Logger, ...args: unknown[]) {
      calls.push({ method, args });
      return original.apply(this, args as [unknown, ...unknown[]]);
    });
  }
  return calls;
}

describe('authentication and authorisation (e2e)', () => {
  let db: TestDatabase;
  let idp: TestJwksServer;
  let logs: ReturnType<typeof captureLogs>;
  const logged = (method?: LogMethod): string =>
    JSON.stringify(logs.filter((call) => !method || call.method === method).map((call) => call.args));
  /** Every token a test sent: none may ever show up in a log call. */
  const sentTokens = new Set<string>([ADMIN_TOKEN, THROTTLED_TOKEN, OTHER_TOKEN, UNKNOWN_TOKEN]);

  beforeAll(async () => {
    logs = captureLogs();
    db = await createTestDatabase();
    idp = await TestJwksServer.start();
  });

  afterAll(async () => {
    await idp?.close();
    await db?.drop();
    const everything = logged();
    expect(everything).toContain('Refused: bearer token not accepted');
    for (const token of sentTokens) expect(everything).not.toContain(token);
    vi.restoreAllMocks();
  });

  const mint = async (...args: Parameters<TestJwksServer['mint']>): Promise<string> => {
    const token = await idp.mint(...args);
    sentTokens.add(token);
    return token;
  };

  describe('with static tokens and an OIDC provider configured', () => {
    let running: AuthTestApp;
    const get = (path: string, authorization?: string) => call(running.baseUrl, 'GET', path, authorization);
    const post = (path: string, authorization?: string) => call(running.baseUrl, 'POST', path, authorization);

    beforeAll(async () => {
      running = await startAuthTestApp({
        DATABASE_URL: db.url,
        API_TOKENS: `${ADMIN_TOKEN},${THROTTLED_TOKEN},${OTHER_TOKEN}`,
        TRIGGER_RATE_LIMIT_PER_MINUTE: String(TRIGGER_LIMIT),
        ...idp.env(),
      });
    });

    afterAll(async () => {
      await running?.close();
    });

    beforeEach(() => {
      handlerCalls.read = 0;
      handlerCalls.trigger = 0;
    });

    it('lets anyone reach @Public() routes (and health), with or without a token', async () => {
      expect((await get('public')).status).toBe(200);
      expect((await get('public', 'Bearer nonsense')).status).toBe(200);
      expect((await fetch(`${running.baseUrl}/health/live`)).status).toBe(200);
    });

    it('answers 401 with WWW-Authenticate: Bearer when no token is sent', async () => {
      for (const answer of [await get('read'), await post('trigger'), await get('read', '')]) {
        expect(answer.status).toBe(401);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer');
        expect(answer.body).toEqual({
          statusCode: 401,
          error: 'Unauthorized',
          message: AUTH_MESSAGES.missingToken,
        });
      }
      expect(handlerCalls).toEqual({ read: 0, trigger: 0 });
    });

    it('answers 401 to a malformed Authorization header, without repeating it', async () => {
      for (const header of [
        `Basic ${Buffer.from(`user:${ADMIN_TOKEN}`).toString('base64')}`,
        'Bearer',
        'Bearer ',
        `Bearer ${ADMIN_TOKEN} extra`,
        `Token ${ADMIN_TOKEN}`,
        ADMIN_TOKEN,
      ]) {
        const answer = await get('read', header);
        expect(answer.status, header).toBe(401);
        expect(answer.body.message, header).toBe(AUTH_MESSAGES.malformedHeader);
        expect(answer.headers.get('www-authenticate'), header).toMatch(/^Bearer error="invalid_request"/);
        expect(answer.text).not.toContain(ADMIN_TOKEN);
      }
      expect(handlerCalls.read).toBe(0);
    });

    it('answers 401 "Invalid token" to an unknown static token, without echoing it', async () => {
      const answer = await post('trigger', `Bearer ${UNKNOWN_TOKEN}`);
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: AUTH_MESSAGES.invalidToken,
      });
      expect(answer.headers.get('www-authenticate')).toBe(
        `Bearer error="invalid_token", error_description="${AUTH_MESSAGES.invalidToken}"`,
      );
      expect(answer.text + JSON.stringify([...answer.headers])).not.toContain(UNKNOWN_TOKEN);
      expect(handlerCalls.trigger).toBe(0);
    });

    it('accepts a static token as admin, for reads and triggers (scheme case-insensitive)', async () => {
      const read = await get('read', `Bearer ${ADMIN_TOKEN}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ kind: 'static', subject: 'api-token#1', isAdmin: true });
      expect(read.text).not.toContain(ADMIN_TOKEN);
      const trigger = await post('trigger', `bearer ${ADMIN_TOKEN}`);
      expect(trigger.status).toBe(200);
      expect(trigger.body).toEqual({ triggeredBy: 'api-token#1' });
    });

    it('lets a JWT without the admin role read (200) but not trigger (403)', async () => {
      const reader = await mint({ realm_access: { roles: ['reader'] } }, { subject: 'reader-1' });
      const read = await get('read', `Bearer ${reader}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        kind: 'jwt',
        subject: 'reader-1',
        roles: ['reader'],
        isAdmin: false,
      });

      const trigger = await post('trigger', `Bearer ${reader}`);
      expect(trigger.status).toBe(403);
      expect(trigger.body).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: 'This action needs the "admin" role, which the token does not carry',
      });
      expect(handlerCalls.trigger).toBe(0);
    });

    it.each([
      ['realm_access.roles', { realm_access: { roles: ['admin'] } }],
      ['resource_access.<aud>.roles', { resource_access: { 'crypto-pocket-butler': { roles: ['admin'] } } }],
      ['roles', { roles: ['admin'] }],
    ])('lets a JWT with the admin role in %s trigger', async (source, claims) => {
      const token = await mint(claims, { subject: `admin-via-${source}`, alg: 'ES256' });
      const answer = await post('trigger', `Bearer ${token}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ triggeredBy: `admin-via-${source}` });
    });

    it('does not take the admin role from another client in resource_access', async () => {
      const token = await mint(
        { resource_access: { 'other-app': { roles: ['admin'] } } },
        { subject: 'sneaky' },
      );
      expect((await post('trigger', `Bearer ${token}`)).status).toBe(403);
    });

    it('answers 401 saying why for each refused JWT, never echoing it', async () => {
      const bad = await idp.badTokens();
      for (const [name, { token, message }] of Object.entries(bad)) {
        sentTokens.add(token);
        for (const answer of [
          await get('read', `Bearer ${token}`),
          await post('trigger', `Bearer ${token}`),
        ]) {
          expect(answer.status, name).toBe(401);
          expect(answer.body, name).toEqual({ statusCode: 401, error: 'Unauthorized', message });
          expect(answer.headers.get('www-authenticate'), name).toMatch(
            /^Bearer error="invalid_token", error_description="/,
          );
          const signature = token.split('.')[2];
          expect(answer.text + JSON.stringify([...answer.headers]), name).not.toContain(token);
          if (signature) expect(answer.text, name).not.toContain(signature);
        }
      }
      expect(bad.hs256.message).toBe('Token algorithm HS256 is not accepted (asymmetric keys only)');
      expect(handlerCalls).toEqual({ read: 0, trigger: 0 });
    });

    it('throttles triggers per token: 429 with Retry-After, other tokens unaffected, nothing run', async () => {
      for (let i = 0; i < TRIGGER_LIMIT; i++) {
        expect((await post('trigger', `Bearer ${THROTTLED_TOKEN}`)).status).toBe(200);
      }
      const throttled = await post('trigger', `Bearer ${THROTTLED_TOKEN}`);
      expect(throttled.status).toBe(429);
      expect(throttled.body).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: expect.stringMatching(
          new RegExp(
            `^Too many job triggers: at most ${TRIGGER_LIMIT} per minute per token; retry in \\d+ s$`,
          ),
        ) as unknown,
      });
      const retryAfter = Number(throttled.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(handlerCalls.trigger).toBe(TRIGGER_LIMIT);

      // Reads are not throttled, and another token has its own budget.
      expect((await get('read', `Bearer ${THROTTLED_TOKEN}`)).status).toBe(200);
      expect((await post('trigger', `Bearer ${OTHER_TOKEN}`)).status).toBe(200);
      expect(handlerCalls.trigger).toBe(TRIGGER_LIMIT + 1);
    });

    it('counts a JWT subject once across its tokens (a refreshed token shares the budget)', async () => {
      for (let i = 0; i < TRIGGER_LIMIT; i++) {
        const token = await mint({ roles: ['admin'] }, { subject: 'refreshing-admin' });
        expect((await post('trigger', `Bearer ${token}`)).status).toBe(200);
      }
      const fresh = await mint({ roles: ['admin'] }, { subject: 'refreshing-admin' });
      expect((await post('trigger', `Bearer ${fresh}`)).status).toBe(429);
    });

    it('does not count refused requests against the trigger budget', async () => {
      const reader = await mint({ roles: ['reader'] }, { subject: 'budget-reader' });
      for (let i = 0; i < TRIGGER_LIMIT + 2; i++)
        expect((await post('trigger', `Bearer ${reader}`)).status).toBe(403);
      const admin = await mint({ roles: ['admin'] }, { subject: 'budget-reader' });
      expect((await post('trigger', `Bearer ${admin}`)).status).toBe(200);
    });

    it('accepts tokens signed by a rotated key (the new key set is fetched on the unknown kid)', async () => {
      const before = await mint({ roles: ['admin'] }, { subject: 'before-rotation' });
      expect((await get('read', `Bearer ${before}`)).status).toBe(200);
      await idp.rotate();
      const after = await mint({ roles: ['admin'] }, { subject: 'after-rotation' });
      expect((await get('read', `Bearer ${after}`)).status).toBe(200);
      const afterEs = await mint({}, { subject: 'after-rotation-es', alg: 'ES256' });
      expect((await get('read', `Bearer ${afterEs}`)).status).toBe(200);
      const retired = await get('read', `Bearer ${before}`);
      expect(retired.status).toBe(401);
      expect(retired.body.message).toBe(AUTH_MESSAGES.unknownKey);
    });

    it('documents the guard answers in OpenAPI (bearer scheme, 401, 403, 429)', () => {
      const document = buildOpenApiDocument(running.app);
      const trigger = document.paths['/api/v1/auth-test/trigger']?.post;
      const read = document.paths['/api/v1/auth-test/read']?.get;
      expect(trigger?.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(trigger?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403', '429']));
      expect(Object.keys(read?.responses ?? {})).toContain('401');
      expect(Object.keys(read?.responses ?? {})).not.toContain('403');
      expect(read?.security).toEqual([{ bearer: [] }]);
      const open = document.paths['/api/v1/auth-test/public']?.get;
      expect(open?.security).toEqual([]);
      expect(Object.keys(open?.responses ?? {})).not.toContain('401');
    });
  });

  describe('with no authentication configured', () => {
    let running: AuthTestApp;

    beforeAll(async () => {
      running = await startAuthTestApp({ DATABASE_URL: db.url });
    });

    afterAll(async () => {
      await running?.close();
    });

    it('answers 401 on protected routes and 200 on public ones', async () => {
      const missing = await call(running.baseUrl, 'GET', 'read');
      expect(missing.status).toBe(401);
      expect(missing.body.message).toBe(AUTH_MESSAGES.missingToken);
      const any = await call(running.baseUrl, 'POST', 'trigger', `Bearer ${ADMIN_TOKEN}`);
      expect(any.status).toBe(401);
      expect(any.body.message).toBe(AUTH_MESSAGES.notConfigured);
      const jwt = await mint({ roles: ['admin'] });
      expect((await call(running.baseUrl, 'GET', 'read', `Bearer ${jwt}`)).status).toBe(401);
      expect((await call(running.baseUrl, 'GET', 'public')).status).toBe(200);
      expect((await fetch(`${running.baseUrl}/health/live`)).status).toBe(200);
    });

    it('says at start-up how to configure a token', () => {
      const warnings = logged('warn');
      expect(warnings).toContain('No authentication is configured: every protected route answers 401');
      expect(warnings).toContain('API_TOKENS=$(openssl rand -hex 32)');
    });
  });

  describe('when the identity provider is unreachable', () => {
    let running: AuthTestApp;
    let down: TestJwksServer;

    beforeAll(async () => {
      down = await TestJwksServer.start();
      down.setAvailable(false);
      running = await startAuthTestApp({ DATABASE_URL: db.url, API_TOKENS: ADMIN_TOKEN, ...down.env() });
    });

    afterAll(async () => {
      await running?.close();
      await down?.close();
    });

    it('answers 503 with Retry-After to JWTs, logs a warning, and static tokens keep working', async () => {
      handlerCalls.trigger = 0;
      const token = await down.mint({ roles: ['admin'] });
      sentTokens.add(token);
      const answer = await call(running.baseUrl, 'POST', 'trigger', `Bearer ${token}`);
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Token could not be verified: the key set is unavailable',
      });
      expect(answer.headers.get('retry-after')).toBe('10');
      expect(handlerCalls.trigger).toBe(0);
      expect(logged('warn')).toContain(`JWKS at ${down.jwksUrl} could not be fetched`);

      expect((await call(running.baseUrl, 'POST', 'trigger', `Bearer ${ADMIN_TOKEN}`)).status).toBe(200);

      down.setAvailable(true);
      expect((await call(running.baseUrl, 'POST', 'trigger', `Bearer ${token}`)).status).toBe(200);
    });
  });
});
