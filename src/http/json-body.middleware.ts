import {
  BadRequestException,
  Injectable,
  UnsupportedMediaTypeException,
  type NestMiddleware,
} from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/**
 * A request that carries a body must send a JSON object. Without the content-type check, a `text/plain`
 * or form body would be silently ignored by the JSON parser and the route would run with defaults — a
 * job triggered with parameters the caller did not send. A request without a body (no length, no
 * chunked encoding) passes.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  use(request: Request, _response: Response, next: NextFunction): void {
    const length = Number(request.headers['content-length'] ?? 0);
    const hasBody = length > 0 || request.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return next();
    if (!request.is('application/json') && !request.is('application/*+json')) {
      const type = request.headers['content-type'] ?? 'none';
      throw new UnsupportedMediaTypeException(
        `Content-Type must be application/json for a request with a body (got ${type})`,
      );
    }
    const body: unknown = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestException('Request body must be a JSON object');
    }
    next();
  }
}
