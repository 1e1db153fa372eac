import { HttpService } from '@nestjs/axios';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  AxiosError,
  isAxiosError,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import axiosRetry from 'axios-retry';
import http from 'node:http';
import type { AppConfig } from '../config/app-config.js';
import {
  CoinGeckoError,
  coinGeckoFailureMessage,
  isTransientKind,
  type AttemptFailure,
  type CoinGeckoFailureKind,
} from './coingecko.errors.js';
import { CoinGeckoRateLimiter } from './coingecko.rate-limiter.js';
import { classifyAnswer, classifyNoAnswer, retryDelayMs } from './coingecko.retry-policy.js';
import { CoinGeckoStats } from './coingecko.stats.js';
import type { CoinGeckoEndpoint } from './coingecko.types.js';

/**
 * The state of one logical call across its attempts. It rides in the axios config (axios copies plain
 * objects when it merges configs, but keeps class instances by reference, so every retry sees this one).
 */
export class RequestTrace {
  attempts = 0;
  lastDelayMs = 0;
  private attemptDeadline: AbortSignal | undefined;

  constructor(
    readonly endpoint: CoinGeckoEndpoint,
    readonly path: string,
    /** The caller's (job's) signal. */
    readonly signal: AbortSignal | undefined,
  ) {}

  /** A fresh deadline per attempt, so COINGECKO_TIMEOUT_MS bounds each request, not the call. */
  startAttempt(timeoutMs: number): AbortSignal {
    this.attempts++;
    this.attemptDeadline = AbortSignal.timeout(timeoutMs);
    return this.signal ? AbortSignal.any([this.signal, this.attemptDeadline]) : this.attemptDeadline;
  }

  get timedOut(): boolean {
    return this.attemptDeadline?.aborted ?? false;
  }
}

declare module 'axios' {
  // Same type parameters as axios' own declaration, as TypeScript requires for a merge.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface AxiosRequestConfig<D, P> {
    /** Set by CoinGeckoTransport on its own requests only. */
    coingecko?: RequestTrace;
  }
}

/** One failed attempt, as axios-retry sees it (it needs an AxiosError carrying the request config). */
export class AttemptError extends AxiosError {
  constructor(
    readonly failure: AttemptFailure,
    config: InternalAxiosRequestConfig,
    response?: AxiosResponse,
  ) {
    super(failure.detail, `COINGECKO_${failure.kind.toUpperCase()}`, config, undefined, response);
  }
}

function bodyBytes(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.alloc(0);
}

function headerText(response: AxiosResponse, name: string): string | undefined {
  const value: unknown = response.headers[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.join(', ');
  return undefined;
}

export interface TransportResult {
  body: unknown;
  attempts: number;
}

/**
 * The HTTP layer under CoinGeckoClient, on the axios instance of the module's own HttpService:
 *
 *   request interceptor   wait for the cluster-wide rate limiter (and budget); give the attempt its own deadline
 *   axios                 keep-alive agent, every status accepted, no redirects, raw bytes
 *   response interceptor  classify the answer (coingecko.retry-policy.ts): JSON parsed keeping number
 *                         text, or an AttemptError saying what failed and whether it is transient
 *   axios-retry           retries transient AttemptErrors up to COINGECKO_MAX_RETRIES times, waiting
 *                         Retry-After or full-jitter backoff, and wakes up at once when the job aborts
 *
 * Every attempt, retries included, goes through the request interceptor, so retries are rate-limited
 * too. The job's signal aborts the limiter wait, the retry wait and the request in flight.
 */
@Injectable()
export class CoinGeckoTransport {
  private readonly logger = new Logger(CoinGeckoTransport.name);
  private readonly settings: AppConfig['coingecko'];
  private readonly axios: AxiosInstance;

  constructor(
    http: HttpService,
    config: ConfigService<AppConfig, true>,
    private readonly limiter: CoinGeckoRateLimiter,
    private readonly stats: CoinGeckoStats,
  ) {
    this.settings = config.get('coingecko', { infer: true });
    this.axios = http.axiosRef;
    this.install();
  }

  /** GET `path` (relative to the base URL) and return the parsed JSON body. Throws CoinGeckoError. */
  async get(
    endpoint: CoinGeckoEndpoint,
    path: string,
    params: Record<string, string | number | boolean>,
    signal?: AbortSignal,
  ): Promise<TransportResult> {
    signal?.throwIfAborted();
    const trace = new RequestTrace(endpoint, path, signal);
    try {
      const response = await this.axios.get<unknown>(path, { params, signal, coingecko: trace });
      return { body: response.data, attempts: trace.attempts };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof AttemptError) {
        this.stats.add(endpoint, 'failures');
        throw this.error(error.failure, trace);
      }
      // Any other axios error carries the request config, key header included: never let it out.
      if (isAxiosError(error)) {
        this.stats.add(endpoint, 'failures');
        throw this.error({ kind: 'network', detail: error.code ?? error.message }, trace);
      }
      throw error;
    }
  }

  /** A CoinGeckoError for a failure found after the HTTP exchange (e.g. a body of the wrong shape). */
  error(
    failure: AttemptFailure,
    trace: { endpoint: CoinGeckoEndpoint; path: string; attempts: number },
  ): CoinGeckoError {
    return new CoinGeckoError({
      ...failure,
      endpoint: trace.endpoint,
      path: trace.path,
      attempts: trace.attempts,
      message: coinGeckoFailureMessage(failure, {
        path: trace.path,
        attempts: trace.attempts,
        plan: this.settings.plan,
        baseUrl: withoutCredentials(this.settings.baseUrl),
        timeoutMs: this.settings.timeoutMs,
        secrets: [this.settings.apiKey],
      }),
    });
  }

  /** Called by CoinGeckoModule when the app shuts down for good, after running jobs were drained. */
  closeConnections(): void {
    for (const agent of [this.axios.defaults.httpAgent, this.axios.defaults.httpsAgent] as unknown[]) {
      if (agent instanceof http.Agent) agent.destroy();
    }
  }

  private install(): void {
    this.axios.interceptors.request.use(async (config) => {
      const trace = config.coingecko;
      if (!trace) return config;
      await this.limiter.acquire(trace.endpoint, trace.signal);
      config.signal = trace.startAttempt(this.settings.timeoutMs);
      this.stats.add(trace.endpoint, 'requests');
      return config;
    });

    // Registered before axios-retry, so it sees every answer first.
    this.axios.interceptors.response.use(
      (response) => this.onAnswer(response),
      (error: unknown) => this.onNoAnswer(error),
    );

    axiosRetry(this.axios, {
      retries: this.settings.maxRetries,
      shouldResetTimeout: true,
      retryCondition: (error) => error instanceof AttemptError && isTransientKind(error.failure.kind),
      retryDelay: (retry, error) => {
        const trace = error.config?.coingecko;
        if (!(error instanceof AttemptError) || !trace) return 0;
        trace.lastDelayMs = retryDelayMs(retry, error.failure, {
          baseMs: this.settings.retryBaseMs,
          maxMs: this.settings.retryMaxMs,
        });
        return trace.lastDelayMs;
      },
      onRetry: (retry, error) => {
        const trace = error.config?.coingecko;
        if (!(error instanceof AttemptError) || !trace) return;
        this.stats.add(trace.endpoint, 'retries');
        const { kind, status, errorCode } = error.failure;
        this.logger.warn(
          {
            endpoint: trace.endpoint,
            path: trace.path,
            kind,
            status,
            errorCode,
            attempt: trace.attempts,
            retry,
            of: this.settings.maxRetries,
            delayMs: trace.lastDelayMs,
          },
          `CoinGecko ${trace.path} failed (${this.label(kind, status)}), retry ${retry}/${this.settings.maxRetries} in ${trace.lastDelayMs} ms`,
        );
      },
    });
  }

  private label(kind: CoinGeckoFailureKind, status: number | undefined): string {
    return status === undefined ? kind : `${kind} ${status}`;
  }

  private onAnswer(response: AxiosResponse): AxiosResponse {
    const trace = response.config.coingecko;
    if (!trace) return response;
    // axios-retry waits on config.signal between attempts: it must be the job's signal, not this
    // attempt's deadline, or the deadline would cut a Retry-After wait short.
    response.config.signal = trace.signal;
    const bytes = bodyBytes(response.data);
    this.stats.add(trace.endpoint, 'bytes', bytes.length);
    const verdict = classifyAnswer({
      status: response.status,
      headers: {
        'content-type': headerText(response, 'content-type'),
        'retry-after': headerText(response, 'retry-after'),
        location: headerText(response, 'location'),
      },
      text: bytes.toString('utf8'),
      nowMs: Date.now(),
    });
    if (verdict.ok) {
      response.data = verdict.body;
      return response;
    }
    const failure = verdict.failure;
    if (failure.kind === 'rate_limited') {
      this.stats.add(trace.endpoint, 'rateLimited');
      if (failure.retryAfterMs !== undefined) this.limiter.hold(failure.retryAfterMs);
    }
    throw new AttemptError(failure, response.config, response);
  }

  private onNoAnswer(error: unknown): never {
    if (error instanceof AttemptError || !isAxiosError(error) || !error.config?.coingecko) throw error;
    const config = error.config;
    const trace = error.config.coingecko;
    config.signal = trace.signal;
    if (trace.signal?.aborted) throw error;
    throw new AttemptError(classifyNoAnswer(error, trace.timedOut), config);
  }
}

/** A base URL fit for an error message that reaches API answers: any user:password part removed. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<COINGECKO_BASE_URL>';
  }
}
