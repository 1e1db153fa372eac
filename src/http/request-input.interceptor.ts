import {
  BadRequestException,
  Injectable,
  UnsupportedMediaTypeException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

const hasNul = (text: string): boolean => text.includes('\u0000') || /%00/.test(text);

/**
 * Checks what a route receives before any pipe or handler sees it — and after the guards, so a caller
 * without a valid token hears 401 first:
 * - a request that carries a body must send a JSON object: without the content-type check a `text/plain`
 *   or form body would be silently ignored by the JSON parser and the route would run with defaults (a
 *   job triggered with parameters the caller did not send);
 * - no NUL character anywhere in the URL or body: PostgreSQL text cannot hold one, and the query would
 *   fail with a 500 instead of telling the caller.
 */
@Injectable()
export class RequestInputInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') this.check(context.switchToHttp().getRequest<Request>());
    return next.handle();
  }

  private check(request: Request): void {
    if (hasNul(request.originalUrl)) {
      throw new BadRequestException('The URL contains a NUL character (%00), which no parameter accepts');
    }
    const length = Number(request.headers['content-length'] ?? 0);
    const hasBody = length > 0 || request.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return;
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
    if (JSON.stringify(body).includes('\\u0000')) {
      throw new BadRequestException('The body contains a NUL character (\\u0000), which no field accepts');
    }
  }
}
