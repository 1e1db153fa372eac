import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'hostile-input-token-0123456789abcdef';
const ASSET = `/api/v1/assets/00000000-0000-4000-8000-000000000000`;
const auth = { authorization: `Bearer ${TOKEN}` };

/** `{"is_tracked":true,"a":{"a":…{}…}}` with `depth` objects in all (the body itself is depth 1). */
function nestedObjects(depth: number): string {
  return `{"is_tracked":true,"a":${'{"a":'.repeat(depth - 2)}{}${'}'.repeat(depth - 1)}`;
}

describe('hostile request input', () => {
  let db: TestDatabase;
  let running: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({
      DATABASE_URL: db.url,
      API_TOKENS: TOKEN,
      // Every trigger here is refused; the throttle in front of them must not answer first.
      TRIGGER_RATE_LIMIT_PER_MINUTE: '100000',
    });
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  const send = (path: string, body: string | Uint8Array, contentType = 'application/json') =>
    fetch(`${running.baseUrl}${path}`, {
      method: path === ASSET ? 'PATCH' : 'POST',
      headers: { 'content-type': contentType, ...auth },
      body,
    });

  it('answers 400 (not 500) to bodies nested far deeper than the limit, arrays or objects', async () => {
    const arrays = `{"limit":1,"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const objects = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    for (const [path, body] of [
      ['/api/v1/jobs/collect-top-coins?wait=false', arrays],
      ['/api/v1/jobs/collect-top-coins?wait=false', objects],
      [ASSET, arrays],
    ] as const) {
      const response = await send(path, body);
      expect(response.status, path).toBe(400);
      expect(await response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'Request body is nested deeper than 32 levels',
      });
    }
    const runs = await fetch(`${running.baseUrl}/api/v1/jobs/runs`, { headers: auth });
    expect(((await runs.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('lets 32 levels through to validation and stops 33 at the nesting check', async () => {
    const allowed = await send(ASSET, nestedObjects(32));
    expect(allowed.status).toBe(400);
    expect(await allowed.json()).toMatchObject({ message: 'property a should not exist' });
    const refused = await send(ASSET, nestedObjects(33));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ message: 'Request body is nested deeper than 32 levels' });
  });

  it('answers 415 to JSON declared in any charset but UTF-8', async () => {
    const text = '{"is_tracked":true}';
    for (const [charset, bytes] of [
      ['utf-16', Buffer.from(`\ufeff${text}`, 'utf16le')],
      ['utf-16le', Buffer.from(text, 'utf16le')],
      ['"UTF-16"', Buffer.from(`\ufeff${text}`, 'utf16le')],
      ['iso-8859-1', Buffer.from(text, 'latin1')],
    ] as const) {
      const response = await send(ASSET, bytes, `application/json; charset=${charset}`);
      expect(response.status, charset).toBe(415);
      expect(await response.json(), charset).toMatchObject({
        statusCode: 415,
        error: 'Unsupported Media Type',
      });
    }
    const utf16 = await send(ASSET, Buffer.from(text, 'utf16le'), 'application/json; charset=utf-16le');
    expect(await utf16.json()).toMatchObject({
      message: 'JSON must be sent as UTF-8 (got charset=utf-16le)',
    });
    // UTF-8, declared or not, reaches the route (404: no such asset).
    for (const type of [
      'application/json; charset=utf-8',
      'application/json; charset="UTF-8"',
      'application/json',
    ]) {
      const response = await send(ASSET, text, type);
      expect(response.status, type).toBe(404);
    }
  });

  it('refuses __proto__, constructor and prototype keys anywhere in a body with 400', async () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      for (const body of [
        `{"is_tracked":true,"${key}":{"isAdmin":true}}`,
        `{"is_tracked":true,"${key}":1}`,
        `{"limit":1,"x":[{"y":{"${key}":1}}]}`,
      ]) {
        for (const path of [ASSET, '/api/v1/jobs/collect-top-coins?wait=false']) {
          const response = await send(path, body);
          expect(response.status, `${path} ${body}`).toBe(400);
          expect(await response.json()).toEqual({
            statusCode: 400,
            error: 'Bad Request',
            message: `property ${key} should not exist`,
          });
        }
      }
    }
    const runs = await fetch(`${running.baseUrl}/api/v1/jobs/runs`, { headers: auth });
    expect(((await runs.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('refuses __proto__, constructor and prototype keys in a query with 400', async () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      for (const path of [`/api/v1/jobs/runs?${key}=1`, `/api/v1/assets?limit=5&${key}[x]=1`]) {
        const response = await fetch(`${running.baseUrl}${path}`, { headers: auth });
        expect(response.status, path).toBe(400);
        expect(await response.json(), path).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          message: `property ${key} should not exist`,
        });
      }
    }
  });
});
