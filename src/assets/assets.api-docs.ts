import { ApiErrorResponse, detailOf, errorExample } from '../http/openapi/error-schemas.js';

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

/** Documents a 400 with one example per way the route's input can be wrong (the shared error schema). */
export const ApiBadRequestExamples = (
  description: string,
  examples: readonly BadRequestExample[],
): MethodDecorator & ClassDecorator =>
  ApiErrorResponse({
    status: 400,
    description,
    examples: examples.map(({ summary, message, validation }) =>
      errorExample(summary, 400, message, validation ? { details: message.split('; ').map(detailOf) } : {}),
    ),
  });

export const ApiAssetNotFound = (): MethodDecorator & ClassDecorator =>
  ApiErrorResponse({
    status: 404,
    description: 'No asset has this id.',
    examples: [errorExample('Unknown id', 404, 'asset 3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f not found')],
  });
