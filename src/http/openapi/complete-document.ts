import type { OpenAPIObject } from '@nestjs/swagger';
import { AUTH_MESSAGES } from '../../auth/auth.errors.js';
import { STATEMENT_TIMEOUT_MESSAGE } from '../../database/statement-timeout.js';
import { STATUS_CODES } from 'node:http';
import {
  ERROR_BODY,
  READINESS_ERROR,
  RUN_CONFLICT_ERROR,
  ERROR_SCHEMAS,
  errorExample,
  exampleMap,
  schemaRef,
  type ErrorExample,
} from './error-schemas.js';

/** The bearer scheme of the API tokens and OIDC JWTs (`Authorization: Bearer …`). */
export const BEARER_AUTH = 'bearer';

type Json = Record<string, unknown>;

interface MediaType {
  schema?: Json;
  example?: unknown;
  examples?: Record<string, ErrorExample | { value: unknown }>;
}

interface ResponseObject {
  description: string;
  headers?: Json;
  content?: Record<string, MediaType>;
}

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; schema?: Json }>;
  requestBody?: unknown;
  responses: Record<string, ResponseObject>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface CompleteOptions {
  /** The registered job keys: the values of every `job` query filter. */
  jobKeys: readonly string[];
  /** The JSON body limit of the HTTP layer, for the 413's description. */
  bodyLimit: string;
  tags: Readonly<Record<string, string>>;
}

/** Every operation of the document with its path and method. */
export function operationsOf(
  document: OpenAPIObject,
): Array<{ path: string; method: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => (item as Json)[method]).map((method) => ({
      path,
      method,
      operation: (item as Record<string, Operation>)[method],
    })),
  );
}

/**
 * Adds to the scanned document what the HTTP layer answers on every route — the statuses no controller
 * decorator knows about (400 for a NUL byte in the URL, 413 and 415 for bodies, 500, the JWKS-down 503) —
 * gives every error response the shared schema, marks public routes `security: []`, fills the `job`
 * filters with the registered job keys and declares the tags. Refuses a document whose operationIds clash,
 * since a generated client would lose one of the methods.
 */
export function completeDocument(document: OpenAPIObject, options: CompleteOptions): OpenAPIObject {
  const components = (document.components ??= {}) as Json;
  components.schemas = { ...(components.schemas ?? {}), ...ERROR_SCHEMAS };
  const seen = new Map<string, string>();
  const usedTags = new Set<string>();
  for (const { path, method, operation } of operationsOf(document)) {
    const where = `${method.toUpperCase()} ${path}`;
    const id = operation.operationId;
    if (!id) throw new Error(`OpenAPI: ${where} has no operationId`);
    const other = seen.get(id);
    if (other) throw new Error(`OpenAPI: operationId ${id} is used by ${other} and ${where}`);
    seen.set(id, where);
    for (const tag of operation.tags ?? []) usedTags.add(tag);
    operation.security ??= [];
    for (const parameter of operation.parameters ?? []) {
      if (parameter.in === 'query' && parameter.name === 'job' && options.jobKeys.length > 0) {
        parameter.schema = { ...parameter.schema, type: 'string', enum: [...options.jobKeys] };
      }
    }
    addHttpLayerStatuses(operation, options.bodyLimit);
    for (const [status, response] of Object.entries(operation.responses)) {
      if (Number(status) >= 400) withErrorSchema(status, response);
    }
  }
  document.tags = [...usedTags].sort().map((name) => {
    const description = options.tags[name];
    return description === undefined ? { name } : { name, description };
  });
  return document;
}

const NUL_IN_URL = 'The URL contains a NUL character (%00), which no parameter accepts';

function addHttpLayerStatuses(operation: Operation, bodyLimit: string): void {
  const responses = operation.responses;
  responses['400'] ??= errorResponse('A parameter is malformed.', [
    errorExample('NUL byte in the URL', 400, NUL_IN_URL),
  ]);
  // Any request may carry a body, a GET too, and the HTTP layer refuses a large or non-JSON one on every route.
  const bodyless = operation.requestBody === undefined ? ' (this route takes none)' : '';
  responses['413'] ??= errorResponse(`The body${bodyless} is larger than ${bodyLimit}; nothing was done.`, [
    errorExample('Body too large', 413, 'Request body is larger than 102400 bytes'),
  ]);
  responses['415'] ??= errorResponse(
    `The body${bodyless} is not sent as \`application/json\`; nothing was done.`,
    [
      errorExample(
        'Not JSON',
        415,
        'Content-Type must be application/json for a request with a body (got text/plain)',
      ),
    ],
  );
  const unexpected = errorExample('Unexpected failure', 500, 'Internal server error');
  const existing = responses['500'];
  if (!existing) {
    responses['500'] = errorResponse(
      'An unexpected failure (a bug, or the database went away). The body says nothing more; the log has it all.',
      [unexpected],
    );
  } else {
    const media = existing.content?.['application/json'];
    if (media?.schema && media.schema.$ref !== schemaRef(ERROR_BODY).$ref) {
      // The route answers its own body on a known failure (a failed run's FailedRunError), and the filter's
      // plain error body on an unexpected one.
      media.schema = { anyOf: [media.schema, schemaRef(ERROR_BODY)] };
      media.examples = { ...media.examples, ...exampleMap([unexpected]) };
      existing.description += ' An unexpected failure answers the plain error body instead.';
    }
  }
  if ((operation.security ?? []).some((requirement) => BEARER_AUTH in requirement)) {
    mergeResponse(
      responses,
      '503',
      "A JWT could not be checked because the identity provider's key set (`AUTH_JWKS_URL`) is unreachable; " +
        'retry after `Retry-After` seconds. Static API tokens are unaffected.',
      [errorExample('Key set unavailable', 503, AUTH_MESSAGES.keySetUnavailable)],
      { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } },
    );
    // Every bearer route reads the database; DB_STATEMENT_TIMEOUT_MS cancels a statement that waits too long.
    mergeResponse(
      responses,
      '503',
      'The database was too slow: a statement ran longer than `DB_STATEMENT_TIMEOUT_MS` (a lock held elsewhere, ' +
        'a busy server) and was cancelled; retry after `Retry-After` seconds.',
      [errorExample('Database too slow', 503, STATEMENT_TIMEOUT_MESSAGE)],
      { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } },
    );
  }
}

function errorResponse(description: string, examples: readonly ErrorExample[]): ResponseObject {
  return {
    description,
    content: { 'application/json': { schema: schemaRef(ERROR_BODY), examples: exampleMap(examples) } },
  };
}

/** Adds one more meaning to a status a route may already declare (both 503s of a trigger). */
function mergeResponse(
  responses: Record<string, ResponseObject>,
  status: string,
  description: string,
  examples: readonly ErrorExample[],
  headers: Json,
): void {
  const existing = responses[status];
  if (!existing) {
    responses[status] = { ...errorResponse(description, examples), headers };
    return;
  }
  withErrorSchema(status, existing);
  existing.description = `${existing.description} Or: ${description}`;
  existing.headers = { ...existing.headers, ...headers };
  const media = existing.content?.['application/json'] as MediaType;
  media.examples = { ...media.examples, ...exampleMap(examples) };
}

/** The extra fields each specialised error schema requires, tried before the plain `ErrorBody`. */
const SPECIALISED: ReadonlyArray<[string, string]> = [
  [RUN_CONFLICT_ERROR, 'run_id'],
  [READINESS_ERROR, 'checks'],
];

/**
 * An error response declared with an example only (or nothing) gets the shared schema its examples fit
 * (`RunConflictError` when they carry `run_id`); a lone example becomes a named example of the media type.
 */
function withErrorSchema(status: string, response: ResponseObject): void {
  if (!response.description) response.description = `${STATUS_CODES[Number(status)] ?? 'Error'}.`;
  const content = (response.content ??= {});
  const media = (content['application/json'] ??= {});
  const schema = media.schema;
  const exampleOnly = schema !== undefined && Object.keys(schema).every((key) => key === 'example');
  if (exampleOnly && schema.example !== undefined && media.examples === undefined) {
    media.examples = { example: { value: schema.example } };
  }
  if (media.example !== undefined && media.examples === undefined) {
    media.examples = { example: { value: media.example } };
  }
  delete media.example;
  if (schema === undefined || exampleOnly) {
    const values = Object.values(media.examples ?? {}).map((example) => example.value as Json);
    const fitting = SPECIALISED.find(
      ([, field]) => values.length > 0 && values.every((value) => field in value),
    );
    media.schema = schemaRef(fitting?.[0] ?? ERROR_BODY);
  }
}
