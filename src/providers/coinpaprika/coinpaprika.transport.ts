import { Logger } from '@nestjs/common';
import axios, { isAxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { isTransientKind, type AttemptFailure } from '../../coingecko/coingecko.errors.js';
import { abortableSleep, type CoinGeckoRateLimiter } from '../../coingecko/coingecko.rate-limiter.js';
import {
  classifyAnswer,
  classifyNoAnswer,
  retryDelayMs,
  type Verdict,
} from '../../coingecko/coingecko.retry-policy.js';
import type { AppConfig } from '../../config/app-config.js';
import { CoinPaprikaError, coinPaprikaFailureMessage } from './coinpaprika.errors.js';
import type { CoinPaprikaStats } from './coinpaprika.stats.js';
import type { CoinPaprikaEndpoint } from './coinpaprika.types.js';

/** NOTES.md: the free host takes no key, and a key must never be sent to it (the original app's bug). */
const FREE_HOST = 'api.coinpaprika.com';

/** The retry timing; the settings' values unless a test makes them short. */
export interface RetryTiming {
  maxRetries: number;
  baseMs: number;
  maxMs: number;
  wait: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface TransportResult {
  body: unknown;
  attempts: number;
}

type Params = Record<string, string | number>;

/** Whether the key goes out: a paid plan, a key, and a host that is not the free one. */
export function sendsKey(settings: AppConfig['coinpaprika']): boolean {
  if (settings.plan === 'free' || !settings.apiKey) return false;
  try {
    return new URL(settings.baseUrl).hostname !== FREE_HOST;
  } catch {
    return false;
  }
}

function header(response: AxiosResponse, name: string): string | undefined {
  const value: unknown = response.headers[name];
  if (typeof value === 'string') return value;
  return Array.isArray(value) ? value.join(', ') : undefined;
}

function text(data: unknown): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return typeof data === 'string' ? data : '';
}

/**
 * The HTTP layer under CoinPaprikaClient: its own axios instance (keep-alive agents, every status accepted,
 * no redirects, raw bytes), and per call a loop of attempts. Each attempt first takes a slot of the shared
 * CoinPaprika limiter (and budget), so retries are limited and counted too; it has its own deadline
 * (COINPAPRIKA_TIMEOUT_MS). Answers are classified by CoinGecko's retry policy (coingecko.retry-policy.ts):
 * a 429 (its Retry-After held by every replica), a 5xx, an HTML page, a truncated body, a timeout or a
 * network error is retried with full-jitter backoff; anything else fails at once as a CoinPaprikaError.
 */
export class CoinPaprikaTransport {
  private readonly logger = new Logger(CoinPaprikaTransport.name);
  private readonly axios: AxiosInstance;

  constructor(
    private readonly settings: AppConfig['coinpaprika'],
    private readonly limiter: CoinGeckoRateLimiter,
    private readonly stats: CoinPaprikaStats,
    private readonly retry: RetryTiming,
  ) {
    this.axios = axios.create({
      baseURL: settings.baseUrl,
      // Paths are always relative: an absolute URL must never take the key to another host.
      allowAbsoluteUrls: false,
      headers: {
        Accept: 'application/json',
        'User-Agent': 'crypto-pocket-butler-jobs',
        ...(sendsKey(settings) ? { Authorization: `Bearer ${settings.apiKey}` } : {}),
      },
      httpAgent: new http.Agent({ keepAlive: true }),
      httpsAgent: new https.Agent({ keepAlive: true }),
      responseType: 'arraybuffer',
      validateStatus: () => true,
      maxRedirects: 0,
    });
  }

  /** GET `path` (relative to the base URL) and return the parsed JSON body. Throws CoinPaprikaError. */
  async get(
    endpoint: CoinPaprikaEndpoint,
    path: string,
    params: Params,
    signal?: AbortSignal,
  ): Promise<TransportResult> {
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      await this.limiter.acquire(endpoint, signal);
      this.stats.add(endpoint, 'requests');
      const verdict = await this.attempt(path, params, signal);
      if (verdict.ok) return { body: verdict.body, attempts: attempt };
      const failure = verdict.failure;
      if (failure.kind === 'rate_limited') {
        this.stats.add(endpoint, 'rateLimited');
        if (failure.retryAfterMs !== undefined) this.limiter.hold(failure.retryAfterMs);
      }
      if (!isTransientKind(failure.kind) || attempt > this.retry.maxRetries) {
        this.stats.add(endpoint, 'failures');
        throw this.error(failure, { endpoint, path, attempts: attempt });
      }
      const delayMs = retryDelayMs(attempt, failure, { baseMs: this.retry.baseMs, maxMs: this.retry.maxMs });
      this.stats.add(endpoint, 'retries');
      this.logger.warn(
        {
          provider: 'coinpaprika',
          endpoint,
          path,
          kind: failure.kind,
          status: failure.status,
          attempt,
          delayMs,
        },
        `CoinPaprika ${path} failed (${failure.status === undefined ? failure.kind : `${failure.kind} ${failure.status}`}), ` +
          `retry ${attempt}/${this.retry.maxRetries} in ${delayMs} ms`,
      );
      await this.retry.wait(delayMs, signal);
    }
  }

  /** A CoinPaprikaError for a failure, also one found after the exchange (a body of the wrong shape). */
  error(
    failure: AttemptFailure,
    trace: { endpoint: CoinPaprikaEndpoint; path: string; attempts: number },
  ): CoinPaprikaError {
    return new CoinPaprikaError({
      ...failure,
      ...trace,
      message: coinPaprikaFailureMessage(failure, {
        path: trace.path,
        attempts: trace.attempts,
        plan: this.settings.plan,
        baseUrl: withoutCredentials(this.settings.baseUrl),
        timeoutMs: this.settings.timeoutMs,
        secrets: [this.settings.apiKey],
      }),
    });
  }

  close(): void {
    for (const agent of [this.axios.defaults.httpAgent, this.axios.defaults.httpsAgent] as unknown[]) {
      if (agent instanceof http.Agent) agent.destroy();
    }
  }

  private async attempt(path: string, params: Params, signal?: AbortSignal): Promise<Verdict> {
    const deadline = AbortSignal.timeout(this.settings.timeoutMs);
    try {
      const response = await this.axios.get<unknown>(path, {
        params,
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      return classifyAnswer({
        status: response.status,
        headers: {
          'content-type': header(response, 'content-type'),
          'retry-after': header(response, 'retry-after'),
          location: header(response, 'location'),
        },
        text: text(response.data),
        nowMs: Date.now(),
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      // An axios error carries the request config, key header included: only its code goes on.
      if (isAxiosError(error)) return { ok: false, failure: classifyNoAnswer(error, deadline.aborted) };
      throw error;
    }
  }
}

/** The default timing: the settings' retries, real sleeps. */
export function retryTimingOf(settings: AppConfig['coinpaprika']): RetryTiming {
  return {
    maxRetries: settings.maxRetries,
    baseMs: settings.retryBaseMs,
    maxMs: settings.retryMaxMs,
    wait: abortableSleep,
  };
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<COINPAPRIKA_BASE_URL>';
  }
}
