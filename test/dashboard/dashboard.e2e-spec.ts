import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_ASSETS_DIR, loadDashboardAssets } from '../../src/dashboard/dashboard.controller.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'dashboard-test-token-0123456789abcdef';
const ROOT = join(import.meta.dirname, '..', '..');
/** The page's ES modules: the entry and every module it imports, each served as it is (no bundler). */
const MODULES = readdirSync(DASHBOARD_ASSETS_DIR).filter((name) => name.endsWith('.js'));

/**
 * A GET sent exactly as written: fetch would resolve `../` in the path before sending, and adds
 * `Cache-Control: no-cache` to a conditional request (which rightly defeats a 304).
 */
function rawGet(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, method: 'GET', headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'] ?? '', body }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

describe('GET /dashboard', () => {
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

  const get = (path: string, init?: RequestInit) => fetch(`${running.baseUrl}${path}`, init);

  it('answers the page without a token, with its external script and stylesheet and no inline script', async () => {
    const response = await get('/dashboard');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain('<script type="module" src="/dashboard/dashboard.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/dashboard/dashboard.css" />');
    // The CSP (script-src 'self', script-src-attr 'none') would block these in a browser.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).toContain('href="/docs"');
    expect(html).toContain('href="/metrics"');
    expect((await get('/dashboard/')).status).toBe(200);
  });

  it("is served under the service's Content-Security-Policy, which allows this origin's scripts only", async () => {
    const response = await get('/dashboard');
    const csp = response.headers.get('content-security-policy') ?? '';
    const directives = new Map(
      csp.split(';').map((directive) => {
        const [name, ...values] = directive.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('script-src-attr')).toEqual(["'none'"]);
    expect(directives.has('upgrade-insecure-requests')).toBe(false);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each([
    ['dashboard.js', 'text/javascript; charset=utf-8'],
    ['dashboard.css', 'text/css; charset=utf-8'],
    ...MODULES.filter((name) => name !== 'dashboard.js').map((name) => [
      name,
      'text/javascript; charset=utf-8',
    ]),
  ])('serves %s as %s, byte for byte, revalidated through its ETag', async (name, type) => {
    const response = await get(`/dashboard/${name}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(readFileSync(join(DASHBOARD_ASSETS_DIR, name), 'utf8'));
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await rawGet(running.baseUrl, `/dashboard/${name}`, { 'if-none-match': etag ?? '' });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('is split into ES modules by view, each under 300 lines, importing only served files', () => {
    for (const name of ['api.js', 'jobs.js', 'runs.js', 'run-detail.js', 'charts.js', 'format.js'])
      expect(MODULES).toContain(name);
    for (const name of MODULES) {
      const source = readFileSync(join(DASHBOARD_ASSETS_DIR, name), 'utf8');
      expect(source.split('\n').length, name).toBeLessThanOrEqual(300);
      for (const [, target] of source.matchAll(/\bimport\b[^'"]*?\bfrom\s+['"]([^'"]+)['"]/g))
        expect(MODULES, `${name} imports ${target}`).toContain(target.replace(/^\.\//, ''));
    }
  });

  it('refuses to start when a module the page imports is missing (a build that lost it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-assets-'));
    try {
      for (const name of ['index.html', 'dashboard.css']) writeFileSync(join(dir, name), '');
      writeFileSync(join(dir, 'dashboard.js'), "import { call } from './api.js';\n");
      expect(() => loadDashboardAssets(dir)).toThrow(/Dashboard asset api\.js cannot be read from /);
      writeFileSync(join(dir, 'api.js'), 'export const call = () => {};\n');
      expect([...loadDashboardAssets(dir).keys()].sort()).toEqual([
        'api.js',
        'dashboard.css',
        'dashboard.js',
        'index.html',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 404 JSON for an unknown asset', async () => {
    for (const path of ['/dashboard/nope.js', '/dashboard/index.htm', '/dashboard/constructor']) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
  });

  it.each([
    '/dashboard/../package.json',
    '/dashboard/..%2Fpackage.json',
    '/dashboard/..%2F..%2Fpackage.json',
    '/dashboard/%2e%2e%2f%2e%2e%2fpackage.json',
    '/dashboard/%2e%2e/%2e%2e/package.json',
    '/dashboard/..%5C..%5Cpackage.json',
    '/dashboard/assets%2Fdashboard.js',
    '/dashboard/%2Fetc%2Fpasswd',
  ])('refuses the traversal %s with 404 JSON', async (path) => {
    const response = await rawGet(running.baseUrl, path);
    expect(response.status).toBe(404);
    expect(response.type).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect(response.body).not.toContain('crypto-pocket-butler');
  });

  it('refuses a NUL byte in the asset name with 400 JSON (the service-wide input rule)', async () => {
    const response = await rawGet(running.baseUrl, '/dashboard/dashboard.js%00.html');
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('stays out of the OpenAPI document (it is a page, not an API route)', async () => {
    const document = (await (await get('/docs-json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((path) => path.includes('dashboard'))).toEqual([]);
  });

  it("leaves the data it shows behind the API's bearer token", async () => {
    const anonymous = await get('/api/v1/jobs');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ statusCode: 401, message: 'Missing bearer token' });
    expect((await get('/api/v1/jobs/runs?limit=50')).status).toBe(401);
    const authorised = await get('/api/v1/jobs', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(authorised.status).toBe(200);
  });

  it('has its assets copied by the build (nest-cli.json), since tsc copies only what it compiles', () => {
    const cli = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8')) as {
      sourceRoot: string;
      compilerOptions: { assets?: Array<{ include: string; outDir: string }> };
    };
    expect(cli.sourceRoot).toBe('src');
    // The CLI keeps a copied file's path relative to tsconfig's rootDir ('.'), so `outDir: 'dist'` puts
    // src/dashboard/assets/* in dist/src/dashboard/assets/, beside the compiled controller.
    expect(cli.compilerOptions.assets).toContainEqual({ include: 'dashboard/assets/**/*', outDir: 'dist' });
  });
});
