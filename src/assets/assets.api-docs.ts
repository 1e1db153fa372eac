import { ApiBadRequestResponse, ApiNotFoundResponse, type SchemaObject } from '@nestjs/swagger';

/** The error body of the whole API (see `HttpExceptionFilter`), with the validation `details` list. */
const errorSchema = (statusCode: number, error: string, message: string): SchemaObject => ({
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', example: statusCode },
    error: { type: 'string', example: error },
    message: { type: 'string', example: message, description: 'Every problem, separated by `; `.' },
    details: {
      type: 'array',
      items: { type: 'string' },
      description: 'Validation errors only: one entry per problem, each naming the parameter.',
    },
  },
});

/** One documented way a request is refused with 400. */
export interface BadRequestExample {
  summary: string;
  message: string;
  /** Refused by the global ValidationPipe, which also lists the problems in `details`. */
  validation: boolean;
}

export const invalidParameter = (summary: string, message: string): BadRequestExample => ({
  summary,
  message,
  validation: true,
});

export const badRequest = (summary: string, message: string): BadRequestExample => ({
  summary,
  message,
  validation: false,
});

/** The 400s every paginated list shares. */
export const PAGE_ERRORS: readonly BadRequestExample[] = [
  invalidParameter('limit out of range or not a number', 'limit must be an integer from 1 to 500'),
  badRequest('cursor not issued by this list', 'cursor is not valid'),
  invalidParameter('unknown query parameter', 'property page should not exist'),
];

export const INVALID_ASSET_ID = badRequest('id is not a UUID', 'id must be a UUID');

/** Documents a 400 with one example per way the route's input can be wrong. */
export const ApiBadRequestExamples = (
  description: string,
  examples: readonly BadRequestExample[],
): MethodDecorator & ClassDecorator =>
  ApiBadRequestResponse({
    description,
    content: {
      'application/json': {
        schema: errorSchema(400, 'Bad Request', examples[0]?.message ?? 'Bad Request'),
        examples: Object.fromEntries(
          examples.map(({ summary, message, validation }) => [
            summary.replace(/[^A-Za-z0-9]+/g, '_'),
            {
              summary,
              value: {
                statusCode: 400,
                error: 'Bad Request',
                message,
                ...(validation ? { details: message.split('; ') } : {}),
              },
            },
          ]),
        ),
      },
    },
  });

export const ApiAssetNotFound = (): MethodDecorator & ClassDecorator => {
  const message = 'asset 3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f not found';
  return ApiNotFoundResponse({
    description: 'No asset has this id.',
    content: {
      'application/json': {
        schema: errorSchema(404, 'Not Found', message),
        example: { statusCode: 404, error: 'Not Found', message },
      },
    },
  });
};
