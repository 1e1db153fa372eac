import { Injectable, UnsupportedMediaTypeException, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/**
 * A request that carries a body must say it is JSON. Without this, a `text/plain` or form body would
 * be silently ignored by the JSON parser and the route would run with defaults — a job triggered with
 * parameters the caller did not send. A request without a body (no length, no chunked encoding) passes.
 */
@Injectable()
export class JsonContentTypeMiddleware implements NestMiddleware {
  use(request: Request, _response: Response, next: NextFunction): void {
    const length = Number(request.headers['content-length'] ?? 0);
    const hasBody = length > 0 || request.headers['transfer-encoding'] !== undefined;
    if (hasBody && !request.is('application/json') && !request.is('application/*+json')) {
      const type = request.headers['content-type'] ?? 'none';
      throw new UnsupportedMediaTypeException(
        `Content-Type must be application/json for a request with a body (got ${type})`,
      );
    }
    next();
  }
}
