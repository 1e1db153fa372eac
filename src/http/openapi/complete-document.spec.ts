import type { OpenAPIObject } from '@nestjs/swagger';
import { describe, expect, it } from 'vitest';
import { completeDocument } from './complete-document.js';

const OPTIONS = {
  jobKeys: ['top_coins_collection', 'price_collection'],
  bodyLimit: '100 kB',
  tags: { jobs: 'Jobs.' },
};

function scanned(): OpenAPIObject {
  return {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/health': {
        get: { operationId: 'getHealth', tags: ['health'], responses: { '200': { description: 'ok' } } },
      },
      '/runs': {
        get: {
          operationId: 'listRuns',
          tags: ['jobs'],
          security: [{ bearer: [] }],
          parameters: [{ name: 'job', in: 'query', schema: { type: 'string' } }],
          responses: { '200': { description: 'ok' } },
        },
      },
      '/trigger': {
        post: {
          operationId: 'trigger',
          tags: ['jobs'],
          security: [{ bearer: [] }],
          requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
          responses: {
            '200': { description: 'ok' },
            '409': {
              description: '',
              content: {
                'application/json': {
                  schema: { example: { statusCode: 409, error: 'Conflict', message: 'busy', run_id: 'x' } },
                },
              },
            },
            '500': {
              description: 'The run failed.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/FailedRunError' } } },
            },
            '503': { description: 'Shutting down.' },
          },
        },
      },
    },
    components: { schemas: {} },
  } as unknown as OpenAPIObject;
}

type Json = Record<string, unknown>;
const at = (document: OpenAPIObject, path: string, method: string): Json =>
  (document.paths[path] as Record<string, Json>)[method];
const responses = (operation: Json) => operation.responses as Record<string, Json>;

describe('completeDocument', () => {
  it('adds the statuses of the HTTP layer: 400, 413, 415 and 500 everywhere (any request may send a body), 503 on bearer routes', () => {
    const document = completeDocument(scanned(), OPTIONS);
    expect(Object.keys(responses(at(document, '/health', 'get'))).sort()).toEqual([
      '200',
      '400',
      '413',
      '415',
      '500',
    ]);
    expect(Object.keys(responses(at(document, '/runs', 'get'))).sort()).toEqual([
      '200',
      '400',
      '413',
      '415',
      '500',
      '503',
    ]);
    expect(Object.keys(responses(at(document, '/trigger', 'post'))).sort()).toEqual(
      ['200', '400', '409', '413', '415', '500', '503'].sort(),
    );
  });

  it('merges both meanings of a 503 and gives each error the schema its examples fit', () => {
    const trigger = responses(at(completeDocument(scanned(), OPTIONS), '/trigger', 'post'));
    expect(trigger['503']?.description).toMatch(/^Shutting down\. Or: A JWT could not be checked/);
    expect(trigger['503']).toHaveProperty(['headers', 'Retry-After']);
    expect(JSON.stringify(trigger['409'])).toContain('#/components/schemas/RunConflictError');
    expect(trigger['409']?.description).toBe('Conflict.');
    // A failed run answers the error body with its JobResult, an unexpected failure the plain error body.
    expect(JSON.stringify(trigger['500'])).toMatch(/anyOf.*FailedRunError.*ErrorBody/);
    expect(JSON.stringify(trigger['500'])).toContain('Unexpected failure');
  });

  it('marks public routes security: [], fills the job filter from the registry and declares the used tags', () => {
    const document = completeDocument(scanned(), OPTIONS);
    expect(at(document, '/health', 'get').security).toEqual([]);
    const [job] = at(document, '/runs', 'get').parameters as Array<{ schema: Json }>;
    expect(job?.schema.enum).toEqual(OPTIONS.jobKeys);
    expect(document.tags).toEqual([{ name: 'health' }, { name: 'jobs', description: 'Jobs.' }]);
    expect(Object.keys(document.components?.schemas ?? {})).toEqual(
      expect.arrayContaining(['ErrorBody', 'RunConflictError', 'ReadinessError', 'FailedRunError']),
    );
    expect(document.components?.schemas?.FailedRunError).toMatchObject({
      allOf: [{ $ref: '#/components/schemas/ErrorBody' }, { $ref: '#/components/schemas/JobResultDto' }],
    });
  });

  it('refuses two operations with one operationId (a generated client would lose one)', () => {
    const document = scanned();
    (at(document, '/runs', 'get') as { operationId: string }).operationId = 'getHealth';
    expect(() => completeDocument(document, OPTIONS)).toThrow(
      /operationId getHealth is used by GET \/health and GET \/runs/,
    );
  });
});
