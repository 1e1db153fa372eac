import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetResponsesOf, validateResponsesOf } from '../support/openapi-responses.js';

/** A served document with one route, and answers chosen by the test: the hook must refuse the wrong ones. */
const DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'hook test', version: '1' },
  paths: {
    '/things/{id}': {
      get: {
        operationId: 'getThing',
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
          '404': { description: 'none', content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['id', 'price', 'progress'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          price: { type: 'string', format: 'decimal' },
          progress: { anyOf: [{ $ref: '#/components/schemas/Progress' }, { type: 'null' }] },
        },
      },
      Progress: { type: 'object', required: ['done'], properties: { done: { type: 'integer' } } },
    },
  },
};

const ID = '0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10';
const ANSWERS: Record<string, [number, unknown]> = {
  good: [200, { id: ID, price: '1.5', progress: null }],
  nested: [200, { id: ID, price: '1.5', progress: { done: 2 } }],
  float: [200, { id: ID, price: 1.5, progress: null }],
  badref: [200, { id: ID, price: '1.5', progress: { done: 'two' } }],
  uuid: [200, { id: 'not-a-uuid', price: '1', progress: null }],
  missing: [404, {}],
  undeclared: [409, { statusCode: 409 }],
};

describe('the OpenAPI response hook of the e2e tests', () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/docs-json') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(DOCUMENT));
        return;
      }
      const [status, body] = ANSWERS[request.url?.split('/')[2] ?? ''] ?? [500, {}];
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    baseUrl = `http://127.0.0.1:${address.port}`;
    await validateResponsesOf(baseUrl);
  });

  afterAll(async () => {
    forgetResponsesOf(baseUrl);
    await new Promise((resolve) => server.close(resolve));
  });

  it('lets answers that fit their declared schema through, nulls and $refs included', async () => {
    expect((await fetch(`${baseUrl}/things/good`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/things/nested`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/things/missing`)).status).toBe(404);
  });

  it('rejects a body that violates the schema of its status', async () => {
    await expect(fetch(`${baseUrl}/things/float`)).rejects.toThrow(
      /getThing.*violates.*\/price must be string/s,
    );
    await expect(fetch(`${baseUrl}/things/badref`)).rejects.toThrow(/\/progress\/done must be integer/);
    await expect(fetch(`${baseUrl}/things/uuid`)).rejects.toThrow(/\/id must match format "uuid"/);
  });

  it('rejects a status the operation does not declare', async () => {
    await expect(fetch(`${baseUrl}/things/undeclared`)).rejects.toThrow(
      /answered 409, a status its operation does not declare/,
    );
  });

  it('ignores what is not an operation of the document', async () => {
    expect((await fetch(`${baseUrl}/elsewhere`)).status).toBe(500);
  });
});
