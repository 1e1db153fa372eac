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
import { declaredCharset, inspectJson, MAX_BODY_DEPTH, type InspectionFinding } from './json-inspection.js';

const hasNul = (text: string): boolean => text.includes('\u0000') || /%00/.test(text);

/**
 * Checks what a route receives before any pipe or handler sees it — and after the guards, so a caller
 * without a valid token hears 401 first:
 * - a request that carries a body must send a JSON object: without the content-type check a `text/plain`
 *   or form body would be silently ignored by the JSON parser and the route would run with defaults (a
 *   job triggered with parameters the caller did not send);
 * - JSON on the wire is UTF-8 (RFC 8259): a body declared in another charset is refused, not transcoded;
 * - no NUL character anywhere in the URL or body: PostgreSQL text cannot hold one, and the query would
 *   fail with a 500 instead of telling the caller;
 * - bodies nest at most `MAX_BODY_DEPTH` levels, and no body or query key is `__proto__`, `constructor`
 *   or `prototype` (see `inspectJson`, which checks all three without recursion).
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
    refuse(inspectJson(request.query, { maxDepth: MAX_BODY_DEPTH, pathKeys: true }), 'query');
    const length = Number(request.headers['content-length'] ?? 0);
    const hasBody = length > 0 || request.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return;
    if (!request.is('application/json') && !request.is('application/*+json')) {
      const type = request.headers['content-type'] ?? 'none';
      throw new UnsupportedMediaTypeException(
        `Content-Type must be application/json for a request with a body (got ${type})`,
      );
    }
    const charset = declaredCharset(request.headers['content-type']);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      throw new UnsupportedMediaTypeException(
        `JSON must be sent as UTF-8 (got charset=${charset.slice(0, 40)})`,
      );
    }
    const body: unknown = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestException('Request body must be a JSON object');
    }
    refuse(inspectJson(body, { maxDepth: MAX_BODY_DEPTH }), 'body');
  }
}

function refuse(finding: InspectionFinding | undefined, where: 'body' | 'query'): void {
  if (!finding) return;
  switch (finding.kind) {
    case 'too_deep':
      throw new BadRequestException(
        where === 'body'
          ? `Request body is nested deeper than ${MAX_BODY_DEPTH} levels`
          : `Query is nested deeper than ${MAX_BODY_DEPTH} levels`,
      );
    case 'nul':
      throw new BadRequestException(
        where === 'body'
          ? 'The body contains a NUL character (\\u0000), which no field accepts'
          : 'The query contains a NUL character, which no parameter accepts',
      );
    case 'forbidden_key':
      // The ValidationPipe's own wording for an unknown property.
      throw new BadRequestException(`property ${finding.key} should not exist`);
  }
}
