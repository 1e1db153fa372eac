import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest, Principal } from './principal.types.js';

/**
 * Injects the authenticated `Principal` into a route handler:
 * `trigger(@CurrentPrincipal() principal: Principal)`. Always set on routes behind the guard; `undefined`
 * on `@Public()` routes.
 */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
