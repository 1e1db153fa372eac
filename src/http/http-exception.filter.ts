import { DriverException } from '@mikro-orm/core';
import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { isStatementTimeout, STATEMENT_TIMEOUT_MESSAGE } from '../database/statement-timeout.js';
import { recordErrorMessage } from '../observability/logging/log-shaping.js';

/** Seconds a caller is asked to wait after a statement timeout: long enough for a lock holder to finish. */
const STATEMENT_TIMEOUT_RETRY_AFTER_S = 5;

/** The one error shape of the API: `{ statusCode, error, message }`, plus optional fields a route adds. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  [extra: string]: unknown;
}

/** body-parser and raw-body mark their errors with a `type` and an HTTP status; map them to clear answers. */
interface BodyParserError {
  type: string;
  status?: number;
  statusCode?: number;
  limit?: number;
}

const BODY_ERROR_MESSAGES: Record<string, (error: BodyParserError) => string> = {
  'entity.parse.failed': () => 'Request body is not valid JSON',
  'entity.too.large': (error) =>
    error.limit === undefined
      ? 'Request body is too large'
      : `Request body is larger than ${error.limit} bytes`,
  'encoding.unsupported': () => 'Request body encoding is not supported; send UTF-8 JSON',
  'charset.unsupported': () => 'Request body charset is not supported; send UTF-8 JSON',
  'request.aborted': () => 'Request was aborted by the client',
};

/** PostgreSQL SQLSTATE class 22 ("data exception"), as MikroORM's DriverException or pg's raw DatabaseError. */
function isDataException(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  const fromDatabase = error instanceof DriverException || typeof severity === 'string';
  return fromDatabase && typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

/** The `{field, reason}` list of a validation error (ApiValidationPipe), each problem once. */
function detailsOf(details: unknown): { details?: { field: string; reason: string }[] } {
  if (!Array.isArray(details)) return {};
  const unique = new Map<string, { field: string; reason: string }>();
  for (const detail of details as { field: unknown; reason: unknown }[]) {
    const field = String(detail.field);
    const reason = String(detail.reason);
    unique.set(JSON.stringify([field, reason]), { field, reason });
  }
  return { details: [...unique.values()] };
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' && error !== null && typeof (error as { type?: unknown }).type === 'string'
  );
}

/**
 * Turns every error — Nest's HTTP exceptions, body-parser failures, anything unexpected — into the JSON
 * error body. Unexpected errors answer a bare 500 (no message, no stack) and are logged in full.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpException');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const response = context.getResponse<Response>();
    const request = context.getRequest<Request>();
    const body = this.toBody(exception);
    if (body.statusCode === 503) {
      // Expected while shutting down or while a dependency is down: no stack trace needed.
      this.logger.warn(
        { method: request.method, url: request.originalUrl },
        `${request.method} ${request.originalUrl}: ${body.message}`,
      );
    } else if (body.statusCode >= 500) {
      this.logger.error(
        { err: exception, method: request.method, url: request.originalUrl },
        `${request.method} ${request.originalUrl} failed: ${body.message}`,
      );
    } else if (isDataException(exception)) {
      this.logger.warn(
        { err: exception, url: request.originalUrl },
        'Refused a value the database cannot accept',
      );
    }
    if (response.headersSent) return;
    if (isStatementTimeout(exception))
      response.setHeader('Retry-After', String(STATEMENT_TIMEOUT_RETRY_AFTER_S));
    recordErrorMessage(response, body.message);
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    // Nest's Express adapter wraps body-parser failures in an HttpException and keeps the original as cause.
    const bodyError = exception instanceof HttpException ? exception.cause : exception;
    if (isBodyParserError(bodyError)) {
      const statusCode = bodyError.status ?? bodyError.statusCode ?? HttpStatus.BAD_REQUEST;
      const describe = BODY_ERROR_MESSAGES[bodyError.type];
      return {
        statusCode,
        error: STATUS_CODES[statusCode] ?? 'Bad Request',
        message: describe ? describe(bodyError) : `Request body could not be read (${bodyError.type})`,
      };
    }
    if (isStatementTimeout(exception)) {
      // SQLSTATE 57014: DB_STATEMENT_TIMEOUT_MS cancelled the read (a lock held elsewhere, a busy server).
      return {
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        error: 'Service Unavailable',
        message: STATEMENT_TIMEOUT_MESSAGE,
      };
    }
    if (isDataException(exception)) {
      // PostgreSQL refused a value (class 22: out of range, malformed, invalid characters): input that got
      // past validation, so the caller's to fix — without echoing what the database said about it.
      return {
        statusCode: HttpStatus.BAD_REQUEST,
        error: 'Bad Request',
        message: 'A parameter has a value the database cannot accept (out of range or malformed)',
      };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const payload = exception.getResponse();
      const error = STATUS_CODES[statusCode] ?? 'Error';
      if (typeof payload === 'string') return { statusCode, error, message: payload };
      const { message, error: _reason, statusCode: _status, ...extra } = payload as Record<string, unknown>;
      if (Array.isArray(message)) {
        // One failing value often breaks several rules with the same message (IsInt, Min, Max): say it once.
        const messages = [...new Set(message.map(String))];
        return { statusCode, error, message: messages.join('; '), ...extra, ...detailsOf(extra.details) };
      }
      return {
        statusCode,
        error,
        message: typeof message === 'string' ? message : exception.message,
        ...extra,
      };
    }
    return {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      error: STATUS_CODES[HttpStatus.INTERNAL_SERVER_ERROR] ?? 'Internal Server Error',
      message: 'Internal server error',
    };
  }
}
