import { SetMetadata } from '@nestjs/common';

export const REQUIRE_ADMIN = 'auth:requireAdmin';

/**
 * The route (or every route of the controller) needs the admin role: any static `API_TOKENS` token, or a
 * JWT carrying `AUTH_ADMIN_ROLE`. Other valid tokens get 403. Checked by the global `BearerAuthGuard`,
 * before any route guard such as `@TriggerThrottle()`, so a refused caller never spends a trigger.
 */
export const RequireAdmin = (): MethodDecorator & ClassDecorator => SetMetadata(REQUIRE_ADMIN, true);
