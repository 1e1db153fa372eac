import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import pretty from 'pino-pretty';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { AppLogger } from './app-logger.js';
import { errorMessageOf, logMethod, requestMessage, runFields, serializeError } from './log-shaping.js';
import { passwordOf, scrubSecrets } from './secret-scrubber.js';

/** Header paths that carry credentials, wherever pino-http or an error serialiser puts them. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-cg-demo-api-key"]',
  'req.headers["x-cg-pro-api-key"]',
  'res.headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers["x-cg-demo-api-key"]',
  '*.headers["x-cg-pro-api-key"]',
];

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/*
 * Routes excluded from the global prefix (/metrics, /dashboard) pass Nest's middleware twice; pino-http
 * would log them twice, with the same request id. The first pass logs.
 */
const passed = new WeakSet<object>();
function seenBefore(req: object): boolean {
  if (passed.has(req)) return true;
  passed.add(req);
  return false;
}

export function secretsOf(config: AppConfig): string[] {
  return [
    ...config.auth.apiTokens,
    config.coingecko.apiKey,
    passwordOf(config.database.url),
    config.metrics.token,
    ...webhookSecrets(config.alerts.webhookUrl),
  ].filter((secret): secret is string => typeof secret === 'string');
}

/** A webhook URL (Slack's, say) is a credential as a whole, and its path alone is one too. */
function webhookSecrets(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const { pathname } = new URL(url);
    return pathname.length > 1 ? [url, pathname] : [url];
  } catch {
    return [url];
  }
}

/** stdout for the service, stderr for CLIs whose stdout is their output, or a stream of the caller's (tests). */
export type LogStream = 'stdout' | 'stderr' | pino.DestinationStream;

export function createLogDestination(
  config: AppConfig,
  stream: LogStream = 'stdout',
): pino.DestinationStream {
  if (typeof stream !== 'string') return scrubSecrets(stream, secretsOf(config));
  const fd = stream === 'stdout' ? 1 : 2;
  const destination =
    config.log.format === 'pretty'
      ? pretty({
          destination: fd,
          colorize: (stream === 'stdout' ? process.stdout : process.stderr).isTTY,
          translateTime: 'SYS:standard',
          ignore: 'pid,hostname',
        })
      : pino.destination({ dest: fd, sync: false });
  return scrubSecrets(destination, secretsOf(config));
}

/**
 * nestjs-pino as the application logger: JSON lines by default (`LOG_FORMAT=pretty` for people), one
 * request id per HTTP request (taken from `x-request-id` when the caller sends a sane one, echoed back),
 * credentials redacted by path and, as a last line of defence, by value.
 */
@Module({})
export class LoggingModule {
  /** `stream`: where log lines go — stdout for the service, stderr for CLIs whose stdout is their output. */
  static forRoot(stream: LogStream = 'stdout'): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => {
            const log = config.log;
            return {
              pinoHttp: [
                {
                  level: log.level,
                  redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
                  genReqId: (req: IncomingMessage, res: ServerResponse) => {
                    const header = req.headers['x-request-id'];
                    const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
                    res.setHeader('x-request-id', id);
                    return id;
                  },
                  customLogLevel: (_req, res, error) =>
                    error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
                  autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') || seenBefore(req) },
                  customSuccessMessage: requestMessage,
                  customSuccessObject: (_req, res, fields: object) => {
                    const reason = res.statusCode >= 400 ? errorMessageOf(res) : undefined;
                    return reason ? { ...fields, reason } : fields;
                  },
                  mixin: runFields,
                  hooks: { logMethod },
                  serializers: {
                    err: serializeError,
                    req: (req: { id: unknown; method: string; url: string }) => ({
                      id: req.id,
                      method: req.method,
                      url: req.url,
                    }),
                    res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
                  },
                },
                createLogDestination(config, stream),
              ],
            };
          },
        }),
      ],
      providers: [AppLogger],
      exports: [AppLogger],
    };
  }
}
