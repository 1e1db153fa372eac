import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRegistry } from '../../src/jobs/job-registry.js';
import { CoinGeckoFake, faults } from '../fakes/coingecko-fake.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'failed-run-admin-token-0123456789abcdef';
const DOCUMENT_ID = 'openapi.json';

type Json = Record<string, unknown>;
interface Document {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema?: Json }> }> }>
  >;
  components: { schemas: Record<string, Json> };
}

// ajv-formats is CommonJS: its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * A failed run's 500 and 502 are error answers like any other: a client reading `message`, `statusCode` or
 * `error` (the shared `ErrorBody`) finds them, and one reading the JobResult finds every field of it. Each real
 * answer is checked against both component schemas of the served document; the response hook of `startApp`
 * checks it against the schema its operation declares.
 */
describe('a failed run’s answer', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;
  let running: RunningApp;
  let document: Document;
  let ajv: Ajv2020;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 20 });
    running = await startApp({
      DATABASE_URL: db.url,
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      COINGECKO_MAX_RETRIES: '1',
      COINGECKO_RETRY_BASE_MS: '1',
      COINGECKO_RETRY_MAX_MS: '5',
      CONTRACT_ADDRESSES_COLLECTION_TIMEOUT_MS: '1000',
      API_TOKENS: TOKEN,
      TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
    });
    document = (await (await fetch(`${running.baseUrl}/docs-json`)).json()) as Document;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  });

  afterAll(async () => {
    await running?.close();
    await fake?.stop();
    await db?.drop();
  });

  const trigger = (path: string, body: unknown) =>
    fetch(`${running.baseUrl}/api/v1/jobs/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** The problems of `body` against the served component schema `name` (empty when it fits). */
  const violations = (name: string, body: unknown): string[] => {
    const validate = ajv.getSchema(`${DOCUMENT_ID}#/components/schemas/${name}`);
    if (!validate) throw new Error(`the document has no schema ${name}`);
    return validate(body)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  };

  it('declares both schemas (allOf ErrorBody and JobResult) for 500 and 502 on every trigger route', () => {
    expect(document.components.schemas.FailedRunError).toMatchObject({
      allOf: [{ $ref: '#/components/schemas/ErrorBody' }, { $ref: '#/components/schemas/JobResultDto' }],
    });
    const jobs = running.app.get(JobRegistry).all();
    expect(jobs.length).toBeGreaterThan(0);
    for (const { definition } of jobs) {
      const responses = document.paths[`/api/v1/jobs/${definition.triggerPath}`]?.post?.responses ?? {};
      const schema = (status: string) => responses[status]?.content?.['application/json']?.schema;
      expect(schema('502'), definition.key).toEqual({ $ref: '#/components/schemas/FailedRunError' });
      // An unexpected failure (not a run's) still answers the plain error body.
      expect(schema('500'), definition.key).toEqual({
        anyOf: [{ $ref: '#/components/schemas/FailedRunError' }, { $ref: '#/components/schemas/ErrorBody' }],
      });
    }
  });

  it('502 (CoinGecko failed the run): the error body with every JobResult field', async () => {
    fake.failNext('/coins/markets', 2, faults.serverError(503));
    try {
      const response = await trigger('collect-top-coins', { limit: 5 });
      expect(response.status).toBe(502);
      const body = (await response.json()) as Json;
      expect(violations('ErrorBody', body)).toEqual([]);
      expect(violations('JobResultDto', body)).toEqual([]);
      expect(violations('FailedRunError', body)).toEqual([]);
      expect(body).toMatchObject({ statusCode: 502, success: false, status: 'failed' });
      expect(body.message).toMatch(/^CoinGecko .*503.* on \/coins\/markets after 2 attempts/);
      // `error` stays the run's error, as every reader of the JobResult expects.
      expect(body.error).toBe(body.message);
    } finally {
      fake.reset();
    }
  });

  it('500 (the run timed out): the error body with every JobResult field', async () => {
    fake.latencyMs = 1500;
    try {
      const response = await trigger('collect-contract-addresses', { limit: 5 });
      expect(response.status).toBe(500);
      const body = (await response.json()) as Json;
      expect(violations('ErrorBody', body)).toEqual([]);
      expect(violations('JobResultDto', body)).toEqual([]);
      expect(body).toMatchObject({
        statusCode: 500,
        error: 'timed out after 1000 ms',
        message: 'timed out after 1000 ms',
        success: false,
        status: 'failed',
      });
      expect(Object.keys(body)).toEqual(
        expect.arrayContaining(['run_id', 'job_name', 'metrics', 'started_at', 'completed_at', 'attempts']),
      );
    } finally {
      fake.latencyMs = 0;
      fake.reset();
    }
  });
});
