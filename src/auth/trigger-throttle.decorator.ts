import { applyDecorators, UseGuards } from '@nestjs/common';
import { TriggerThrottlerGuard } from './trigger-throttler.guard.js';

/**
 * Rate-limits a job-trigger route per token (`TRIGGER_RATE_LIMIT_PER_MINUTE`, default 10 per minute,
 * shared by all trigger routes). Over the limit: 429 `{statusCode, error, message}` with `Retry-After`.
 */
export const TriggerThrottle = (): MethodDecorator & ClassDecorator =>
  applyDecorators(UseGuards(TriggerThrottlerGuard));
