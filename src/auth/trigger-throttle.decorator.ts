import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { TriggerThrottleInterceptor } from './trigger-throttle.interceptor.js';

/** Set on throttled handlers, so `@ApiAuth()` documents their 429. */
export const TRIGGER_THROTTLED = 'auth:triggerThrottled';

/**
 * Rate-limits a job-trigger route per token (`TRIGGER_RATE_LIMIT_PER_MINUTE`, default 10 in any sliding
 * minute, shared by all trigger routes and all replicas; only valid triggers count). Over the limit:
 * 429 `{statusCode, error, message}` with `Retry-After`.
 */
export const TriggerThrottle = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(TRIGGER_THROTTLED, true), UseInterceptors(TriggerThrottleInterceptor));
