import { ApiResponse } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

/**
 * The error bodies of the API as OpenAPI 3.1 schemas. `HttpExceptionFilter` writes every 4xx/5xx as
 * `{statusCode, error, message}`, adds `details` for validation errors and keeps the extra fields a route
 * puts in its exception (`run_id` of a 409, `checks` of a failed readiness probe).
 */
export const ERROR_BODY = 'ErrorBody';
export const RUN_CONFLICT_ERROR = 'RunConflictError';
export const READINESS_ERROR = 'ReadinessError';
/** A trigger's 500/502 when the run failed: the error body and the run's JobResult in one object. */
export const FAILED_RUN_ERROR = 'FailedRunError';
/** The component Swagger generates from `JobResultDto`, which `FailedRunError` extends. */
export const JOB_RESULT_SCHEMA = 'JobResultDto';

export type ErrorSchemaName =
  typeof ERROR_BODY | typeof RUN_CONFLICT_ERROR | typeof READINESS_ERROR | typeof FAILED_RUN_ERROR;

export const schemaRef = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

const HEALTH_CHECK = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['up', 'down'] },
    message: { type: 'string', description: 'Why the check failed.' },
  },
  additionalProperties: true,
};

export const ERROR_SCHEMAS: Record<ErrorSchemaName | 'HealthCheck', Record<string, unknown>> = {
  [ERROR_BODY]: {
    type: 'object',
    description: 'The body of every 4xx and 5xx answer.',
    required: ['statusCode', 'error', 'message'],
    properties: {
      statusCode: { type: 'integer', minimum: 400, maximum: 599, description: 'The HTTP status again.' },
      error: {
        type: 'string',
        description:
          "The HTTP reason phrase, e.g. `Bad Request`; in a failed run's answer (`FailedRunError`), " +
          "the run's error, as in its JobResult.",
      },
      message: {
        type: 'string',
        description: 'What is wrong, in words a caller can act on; several problems are separated by `; `.',
      },
      details: {
        type: 'array',
        items: {
          type: 'object',
          required: ['field', 'reason'],
          properties: {
            field: { type: 'string', description: 'The property path, e.g. `limit` or `items.0.x`.' },
            reason: { type: 'string', description: 'The rule it breaks, as the validator words it.' },
          },
        },
        description: 'Validation errors only (400): one entry per problem.',
      },
    },
  },
  [RUN_CONFLICT_ERROR]: {
    description: 'A 409: the job (or run) is not in a state that allows the request; `run_id` names the run.',
    allOf: [
      schemaRef(ERROR_BODY),
      {
        type: 'object',
        required: ['run_id'],
        properties: {
          run_id: { type: 'string', format: 'uuid', description: 'The run in the way.' },
          status: {
            type: 'string',
            description: 'Its status, when that is the reason (a cancel of an ended run).',
          },
        },
      },
    ],
  },
  [READINESS_ERROR]: {
    description: 'A failed readiness probe: which check is down and why.',
    allOf: [
      schemaRef(ERROR_BODY),
      {
        type: 'object',
        required: ['checks'],
        properties: { checks: { type: 'object', additionalProperties: schemaRef('HealthCheck') } },
      },
    ],
  },
  [FAILED_RUN_ERROR]: {
    description:
      "A trigger's 500 or 502 when the run failed: every field of its JobResult, plus `statusCode` and `message` " +
      "(the run's error, also in `error`), so it reads as the error body and as the JobResult alike.",
    allOf: [schemaRef(ERROR_BODY), schemaRef(JOB_RESULT_SCHEMA)],
  },
  HealthCheck: HEALTH_CHECK,
};

export interface ErrorExample {
  summary: string;
  value: Record<string, unknown>;
}

/** One example error body, as the filter writes it. */
export function errorExample(
  summary: string,
  statusCode: number,
  message: string,
  extra: Record<string, unknown> = {},
): ErrorExample {
  return { summary, value: { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...extra } };
}

/** A `details` entry of an example: the field is the message's first word, as the validator words it. */
export function detailOf(message: string): { field: string; reason: string } {
  const field = message.startsWith('property ') ? message.split(' ')[1] : message.split(' ')[0];
  return { field: field ?? '', reason: message };
}

/** A keyed map of examples, keys made of the summaries (`Not "Bearer <token>"` → `Not_Bearer_token_`). */
export function exampleMap(examples: readonly ErrorExample[]): Record<string, ErrorExample> {
  return Object.fromEntries(
    examples.map((example) => [example.summary.replace(/[^A-Za-z0-9]+/g, '_'), example]),
  );
}

export interface ApiErrorOptions {
  status: number;
  description: string;
  examples: readonly ErrorExample[];
  schema?: ErrorSchemaName;
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
}

/** Documents one error status of a route with the shared schema and one example per way it happens. */
export function ApiErrorResponse(options: ApiErrorOptions): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status: options.status,
    description: options.description,
    ...(options.headers ? { headers: options.headers } : {}),
    content: {
      'application/json': {
        schema: schemaRef(options.schema ?? ERROR_BODY),
        examples: exampleMap(options.examples),
      },
    },
  });
}
