import {
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  ServiceUnavailableException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import type { Response } from 'express';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';
import { RateLimitRepository, type ThrottleAnswer } from '../coingecko/limiter/rate-limit.repository.js';
import type { AppConfig } from '../config/app-config.js';
import type { AuthenticatedRequest } from './principal.types.js';

/** Prefix of the trigger throttle's rows in `rate_limit_windows`. */
export const TRIGGER_THROTTLER = 'trigger';

/** The throttle's sliding window; retention expires a row a day after its last window ended. */
export const TRIGGER_THROTTLE_WINDOW_MS = 60_000;

/**
 * Counts job triggers per token: `TRIGGER_RATE_LIMIT_PER_MINUTE` in any sliding minute, shared by every
 * trigger route and every replica (a sliding-window log in `rate_limit_windows`, one statement per
 * trigger), tracked by the principal's `rateKey` (never the token).
 *
 * Only triggers that passed validation count. An interceptor, not a guard, for that: it runs after every
 * guard (401 and 403 never reach it) and after the global content-type interceptor (a 415 never reaches
 * it), and before the pipes, so a body the ValidationPipe refuses (400) gives its admission back before
 * the 400 is sent. A throttled request (429) never reaches the pipes or the handler.
 */
@Injectable()
export class TriggerThrottleInterceptor implements NestInterceptor {
  private readonly logger = new Logger(TriggerThrottleInterceptor.name);
  private store: RateLimitRepository | undefined;
  private limit: number | undefined;

  // Resolved at the first trigger, not injected: the decorator also works in modules that have no database.
  constructor(private readonly moduleRef: ModuleRef) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest & { ip?: string }>();
    const response = http.getResponse<Response>();
    // No principal only on a @Public() route, where no token was checked: count per client address.
    const tracker = request.principal ? request.principal.rateKey : `ip:${String(request.ip)}`;
    const key = `${TRIGGER_THROTTLER}:${tracker}`;
    const { store, limit } = this.resolve();

    let answer: ThrottleAnswer;
    try {
      answer = await store.tryAcquire({ key, limit, windowMs: TRIGGER_THROTTLE_WINDOW_MS });
    } catch (error) {
      this.logger.warn({ err: error }, 'Trigger throttle unreachable in the database');
      response.setHeader('Retry-After', '5');
      throw new ServiceUnavailableException(
        'the trigger throttle is unreachable in the database; retry in 5 s',
      );
    }
    if (!answer.admitted) {
      const retryAfter = Math.max(1, Math.ceil(answer.retryAfterMs / 1000));
      response.setHeader('Retry-After', String(retryAfter));
      const message = `Too many job triggers: at most ${limit} per minute per token; retry in ${retryAfter} s`;
      throw new HttpException(
        { statusCode: HttpStatus.TOO_MANY_REQUESTS, error: 'Too Many Requests', message },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const stamp = answer.stamp;
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!(error instanceof HttpException) || error.getStatus() !== Number(HttpStatus.BAD_REQUEST)) {
          return throwError(() => error);
        }
        return from(
          store.release(key, stamp).catch((failure: unknown) => {
            this.logger.warn({ err: failure }, 'Could not give back the admission of an invalid trigger');
          }),
        ).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }

  private resolve(): { store: RateLimitRepository; limit: number } {
    const store = (this.store ??= this.moduleRef.get(RateLimitRepository, { strict: false }) ?? undefined);
    if (!store) throw new Error('@TriggerThrottle() needs RateLimitRepository (CoinGeckoModule) in the app');
    const limit = (this.limit ??= this.moduleRef
      .get<ConfigService<AppConfig, true>>(ConfigService, { strict: false })
      .get('auth', { infer: true }).triggerRateLimitPerMinute);
    return { store, limit };
  }
}
