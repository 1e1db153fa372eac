import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'http-basics-token-0123456789abcdef';
const ASSET = `/api/v1/assets/00000000-0000-4000-8000-000000000000`;
const auth = { authorization: `Bearer ${TOKEN}` };

describe('HTTP conventions', () => {
  let db: TestDatabase;
  let running: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN });
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('answers unknown routes with the JSON error body, inside and outside the API prefix', async () => {
    for (const path of ['/nope', '/api/v1/nope']) {
      const response = await fetch(`${running.baseUrl}${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect(body.message).toMatch(/^Cannot GET /);
    }
  });

  it('answers malformed JSON with 400 and says so', async () => {
    const response = await fetch(`${running.baseUrl}/api/v1/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"limit": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Request body is not valid JSON',
    });
  });

  it('answers a body that is not JSON with 415', async () => {
    const response = await fetch(`${running.baseUrl}${ASSET}`, {
      method: 'PATCH',
      headers: { 'content-type': 'text/plain', ...auth },
      body: 'is_tracked=true',
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'Content-Type must be application/json for a request with a body (got text/plain)',
    });
  });

  it('checks the token before the body: no token and a bad body is still 401', async () => {
    const response = await fetch(`${running.baseUrl}${ASSET}`, {
      method: 'PATCH',
      headers: { 'content-type': 'text/plain' },
      body: 'is_tracked=true',
    });
    expect(response.status).toBe(401);
  });

  it('refuses a JSON body that is not an object, and NUL characters anywhere, with 400', async () => {
    const array = await fetch(`${running.baseUrl}${ASSET}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...auth },
      body: '[true]',
    });
    expect(array.status).toBe(400);
    expect(await array.json()).toMatchObject({ message: 'Request body must be a JSON object' });
    const nulBody = await fetch(`${running.baseUrl}${ASSET}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...auth },
      body: '{"is_tracked": "\\u0000"}',
    });
    expect(nulBody.status).toBe(400);
    for (const path of [
      '/api/v1/assets?search=%00',
      '/api/v1/contracts?chain=eth%00',
      '/api/v1/contracts?chain=ethereum&address=%00abc',
      '/api/v1/jobs/runs?job=%00',
    ]) {
      const response = await fetch(`${running.baseUrl}${path}`, { headers: auth });
      expect(response.status, path).toBe(400);
      expect(await response.json(), path).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
  });

  it('refuses forged cursors with 400, never 500', async () => {
    const forged = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const path of [
      `/api/v1/jobs/runs?cursor=${forged({ t: '+275760-09-13T00:00:00.000Z', i: '00000000-0000-4000-8000-000000000000' })}`,
      `/api/v1/jobs/runs?cursor=${forged({ t: '0000-01-01T00:00:00.000Z', i: '00000000-0000-4000-8000-000000000000' })}`,
      `/api/v1/assets?cursor=${forged(['assets', 0, 'A\u0000', 'x'])}`,
    ]) {
      const response = await fetch(`${running.baseUrl}${path}`, { headers: auth });
      expect(response.status, path).toBe(400);
    }
  });

  it('refuses bodies over the size limit with 413', async () => {
    const response = await fetch(`${running.baseUrl}/api/v1/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(200_000) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Request body is larger than 102400 bytes',
    });
  });

  it('sends security headers and a request id (echoing a sane one from the caller)', async () => {
    const response = await fetch(`${running.baseUrl}/health/live`, {
      headers: { 'x-request-id': 'trace-abc-123' },
    });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('x-request-id')).toBe('trace-abc-123');
    const generated = await fetch(`${running.baseUrl}/health/live`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves Swagger UI at /docs and the OpenAPI document at /docs-json', async () => {
    const ui = await fetch(`${running.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
    const response = await fetch(`${running.baseUrl}/docs-json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      info: { title: string; version: string };
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    };
    expect(document.info.title).toBe('Crypto Pocket Butler jobs service');
    expect(document.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
