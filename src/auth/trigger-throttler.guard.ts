import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Response } from 'express';
import type { AuthenticatedRequest } from './principal.types.js';

/** Name of the throttler (see `AuthModule`) that counts job triggers. */
export const TRIGGER_THROTTLER = 'trigger';

/**
 * Counts job triggers per token: `TRIGGER_RATE_LIMIT_PER_MINUTE` per minute, shared by every trigger
 * route, tracked by the principal's `rateKey` (never the token). Runs as a route guard, so after the
 * global `BearerAuthGuard`: unauthenticated (401) and non-admin (403) requests never reach it, and a
 * throttled request (429) never reaches the handler. Counters live in memory: each replica counts on its own.
 */
@Injectable()
export class TriggerThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = (request as unknown as AuthenticatedRequest).principal;
    // Only reachable on a @Public() route, where no token was checked: count per client address instead.
    return principal ? principal.rateKey : `ip:${String(request.ip)}`;
  }

  /** One budget per token across all trigger routes (the default key is per route). */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    throw new ThrottlerException(
      `Too many job triggers: at most ${detail.limit} per minute per token; retry in ${retryAfter} s`,
    );
  }
}
