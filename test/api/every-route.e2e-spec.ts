import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoinGeckoFake } from '../fakes/coingecko-fake.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TestJwksServer, type BadToken } from '../support/jwks.js';

const ADMIN_TOKEN = 'route-table-admin-token-0123456789';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const PUBLIC_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);
const METHODS = ['get', 'post', 'patch', 'put', 'delete'] as const;

interface Route {
  method: string;
  path: string;
  admin: boolean;
  /** A trigger whose body takes a `limit` (a job without one accepts only `{}`). */
  takesLimit: boolean;
}

/**
 * "Every route is authenticated": walks every operation of the OpenAPI document — so a route added later is
 * covered without touching this file — with no token, a malformed header, a wrong static token, every kind of
 * refused JWT, a reader JWT and an admin token, and checks each answer. Nothing may run on a refusal.
 */
describe('every route is authenticated', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;
  let jwks: TestJwksServer;
  let running: RunningApp;
  let document: OpenAPIV3.Document;
  let routes: Route[];
  let readerToken: string;
  let badTokens: Record<string, BadToken>;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 20 });
    jwks = await TestJwksServer.start();
    running = await startApp({
      DATABASE_URL: db.url,
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      API_TOKENS: ADMIN_TOKEN,
      TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
      ...jwks.env(),
    });
    readerToken = await jwks.mint({ realm_access: { roles: ['viewer'] } });
    badTokens = await jwks.badTokens();
    document = (await (await fetch(`${running.baseUrl}/docs-json`)).json()) as OpenAPIV3.Document;
    routes = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item?.[method]).map((method) => ({
        method: method.toUpperCase(),
        path,
        admin: method !== 'get',
        takesLimit: (JSON.stringify(bodySchema(item?.[method])) ?? '').includes('"limit"'),
      })),
    );
  });

  afterAll(async () => {
    await running?.close();
    await fake?.stop();
    await jwks?.close();
    await db?.drop();
  });

  /** The request body schema of an operation, its `$ref` resolved. */
  const bodySchema = (operation: OpenAPIV3.OperationObject | undefined): unknown => {
    const body = operation?.requestBody as OpenAPIV3.RequestBodyObject | undefined;
    const schema = body?.content['application/json']?.schema;
    if (!schema || !('$ref' in schema)) return schema;
    return document.components?.schemas?.[schema.$ref.split('/').pop() ?? ''];
  };

  const call = (route: Route, authorization?: string): Promise<Response> => {
    const path = route.path.replace('{id}', UNKNOWN_ID);
    const trigger = route.method === 'POST' && /^\/api\/v1\/jobs\/[a-z0-9-]+$/.test(path);
    const query = trigger
      ? '?wait=false'
      : path === '/api/v1/contracts'
        ? '?chain=ethereum'
        : path === '/api/v1/prices/at'
          ? '?assets=bitcoin'
          : '';
    const body =
      route.method === 'POST'
        ? JSON.stringify(route.takesLimit ? { limit: 1 } : {})
        : route.method === 'PATCH'
          ? JSON.stringify({ is_tracked: true })
          : undefined;
    return fetch(`${running.baseUrl}${path}${query}`, {
      method: route.method,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body,
    });
  };
  const protectedRoutes = (): Route[] => routes.filter((route) => !PUBLIC_PATHS.has(route.path));
  const runCount = async (): Promise<number> =>
    (await db.query<{ n: number }>(`select count(*)::int as n from job_runs`))[0].n;

  it('the OpenAPI document is valid and lists every route, each protected one with the bearer scheme', async () => {
    await SwaggerParser.validate(structuredClone(document) as never);
    expect(routes.map((route) => `${route.method} ${route.path}`).sort()).toEqual(
      [
        'GET /health/live',
        'GET /health/ready',
        'GET /metrics',
        'POST /api/v1/jobs/collect-top-coins',
        'POST /api/v1/jobs/collect-prices',
        'POST /api/v1/jobs/collect-contract-addresses',
        'GET /api/v1/jobs',
        'GET /api/v1/jobs/runs',
        'GET /api/v1/jobs/runs/{id}',
        'POST /api/v1/jobs/runs/{id}/cancel',
        'GET /api/v1/assets',
        'GET /api/v1/assets/{id}',
        'PATCH /api/v1/assets/{id}',
        'GET /api/v1/assets/{id}/prices',
        'GET /api/v1/assets/{id}/prices/series',
        'GET /api/v1/prices/at',
        'GET /api/v1/rankings',
        'GET /api/v1/contracts',
        'GET /api/v1/alerts',
        'GET /api/v1/coingecko/usage',
        'GET /api/v1/providers/usage',
        'POST /api/v1/jobs/repair-price-gaps',
        'POST /api/v1/jobs/prune-job-runs',
        'POST /api/v1/jobs/maintain-price-storage',
        'POST /api/v1/jobs/backfill-price-history',
        'POST /api/v1/jobs/map-provider-ids',
        'POST /api/v1/jobs/cross-check-prices',
        'GET /api/v1/providers/mappings',
        'GET /api/v1/prices/coverage',
        'GET /api/v1/prices/flags',
      ].sort(),
    );
    for (const route of protectedRoutes()) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase() as (typeof METHODS)[number]];
      expect(operation?.security, `${route.method} ${route.path}`).toEqual([{ bearer: [] }]);
      expect(Object.keys(operation?.responses ?? {}), `${route.method} ${route.path}`).toEqual(
        expect.arrayContaining(['401', ...(route.admin ? ['403'] : [])]),
      );
    }
  });

  it('public routes answer without a token', async () => {
    for (const route of routes.filter((r) => PUBLIC_PATHS.has(r.path))) {
      expect((await call(route)).status, route.path).toBe(200);
    }
  });

  it('no token → 401 with WWW-Authenticate: Bearer on every protected route, and nothing runs', async () => {
    const before = await runCount();
    for (const route of protectedRoutes()) {
      const response = await call(route);
      expect(response.status, `${route.method} ${route.path}`).toBe(401);
      expect(response.headers.get('www-authenticate'), `${route.method} ${route.path}`).toMatch(/^Bearer/);
      expect(await response.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    }
    expect(await runCount()).toBe(before);
  });

  it('a malformed header or an unknown static token → 401', async () => {
    for (const route of protectedRoutes()) {
      expect((await call(route, 'Token abc')).status, `${route.method} ${route.path}`).toBe(401);
      expect((await call(route, 'Bearer not-a-token-we-know-0123456789')).status).toBe(401);
    }
  });

  it('every kind of refused JWT → 401 saying which, never echoing the token, and nothing runs', async () => {
    const before = await runCount();
    for (const [kind, { token, message }] of Object.entries(badTokens)) {
      for (const route of protectedRoutes()) {
        const response = await call(route, `Bearer ${token}`);
        const text = await response.text();
        expect(response.status, `${kind} on ${route.method} ${route.path}`).toBe(401);
        expect(JSON.parse(text)).toMatchObject({ statusCode: 401, message });
        expect(text).not.toContain(token);
      }
    }
    expect(await runCount()).toBe(before);
  });

  it('a valid JWT without the admin role reads, and gets 403 on every admin route', async () => {
    const before = await runCount();
    for (const route of protectedRoutes()) {
      const status = (await call(route, `Bearer ${readerToken}`)).status;
      if (route.admin) expect(status, `${route.method} ${route.path}`).toBe(403);
      else expect([200, 404], `${route.method} ${route.path}`).toContain(status);
    }
    expect(await runCount()).toBe(before);
  });

  it('an admin token passes every route', async () => {
    for (const route of protectedRoutes()) {
      const status = (await call(route, `Bearer ${ADMIN_TOKEN}`)).status;
      expect([200, 202, 404], `${route.method} ${route.path}`).toContain(status);
    }
  });
});
