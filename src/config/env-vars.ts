import { validateCronExpression } from 'cron';
import { z } from 'zod';

/*
 * The parsers every environment variable goes through, shared by the service's schema and by job
 * definitions that declare their own settings. Each parses from `string | undefined`; an empty string
 * counts as "not set" so that a `.env` line like `COINGECKO_API_KEY=` does not switch anything on.
 * Messages name the value so an operator can see what was wrong — except for secrets.
 */

export type Raw = string | undefined;

export const show = (raw: string): string => JSON.stringify(raw);
export const isUnset = (raw: Raw): raw is undefined => raw === undefined || raw.trim() === '';

export function integer(options: { min: number; max?: number; default: number }) {
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const range = options.max === undefined ? `>= ${options.min}` : `between ${options.min} and ${max}`;
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (isUnset(raw)) return options.default;
      const text = raw.trim();
      const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(value) || value < options.min || value > max) {
        ctx.addIssue({ code: 'custom', message: `${show(raw)} is not an integer ${range}` });
        return z.NEVER;
      }
      return value;
    });
}

export function boolean(defaultValue: boolean) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (isUnset(raw)) return defaultValue;
      const text = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(text)) return true;
      if (['false', '0', 'no', 'off'].includes(text)) return false;
      ctx.addIssue({ code: 'custom', message: `${show(raw)} is not a boolean (use true or false)` });
      return z.NEVER;
    });
}

export function oneOf<const T extends readonly string[]>(values: T, defaultValue: T[number] | undefined) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T[number] | undefined => {
      if (isUnset(raw)) return defaultValue;
      const text = raw.trim().toLowerCase();
      if (values.includes(text)) return text;
      ctx.addIssue({ code: 'custom', message: `${show(raw)} is not one of ${values.join(', ')}` });
      return z.NEVER;
    });
}

export function httpUrl(options: { secretInUrl?: boolean; protocols?: readonly string[] } = {}) {
  const protocols = options.protocols ?? ['http:', 'https:'];
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (isUnset(raw)) return undefined;
      const text = raw.trim();
      let url: URL | undefined;
      try {
        url = new URL(text);
      } catch {
        url = undefined;
      }
      if (!url || !protocols.includes(url.protocol)) {
        // A database URL carries a password: describe the problem without echoing it.
        const shown = options.secretInUrl ? 'the value' : show(raw);
        ctx.addIssue({
          code: 'custom',
          message: `${shown} is not a valid URL (expected ${protocols.map((p) => p.replace(':', '://')).join(' or ')}…)`,
        });
        return z.NEVER;
      }
      return text.replace(/\/+$/, '');
    });
}

export function text() {
  return z
    .string()
    .optional()
    .transform((raw) => (isUnset(raw) ? undefined : raw.trim()));
}

export function cronExpression(defaultValue: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (isUnset(raw)) return defaultValue;
      const expression = raw.trim().replace(/\s+/g, ' ');
      // The same library that runs @Cron validates here, so what passes start-up also schedules.
      if (expression.split(' ').length !== 6 || !validateCronExpression(expression).valid) {
        ctx.addIssue({ code: 'custom', message: `${show(raw)} is not a valid 6-field cron expression` });
        return z.NEVER;
      }
      return expression;
    });
}

const MIN_TOKEN_LENGTH = 16;
/** Node timers take at most 2^31 - 1 ms (~24.8 days); a larger value would fire after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

export function milliseconds(options: { min: number; default: number }) {
  return integer({ ...options, max: MAX_TIMER_MS });
}

export function apiTokens() {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (isUnset(raw)) return [];
      const tokens = raw
        .split(',')
        .map((token) => token.trim())
        .filter((token) => token.length > 0);
      const short = tokens.filter((token) => token.length < MIN_TOKEN_LENGTH).length;
      if (short > 0) {
        // Never echo a token, not even a bad one: say which position is wrong instead.
        const positions = tokens
          .map((token, index) => (token.length < MIN_TOKEN_LENGTH ? index + 1 : 0))
          .filter((position) => position > 0);
        ctx.addIssue({
          code: 'custom',
          message: `token${positions.length > 1 ? 's' : ''} #${positions.join(', #')} ${positions.length > 1 ? 'are' : 'is'} shorter than ${MIN_TOKEN_LENGTH} characters; use long random tokens (e.g. \`openssl rand -hex 32\`)`,
        });
        return z.NEVER;
      }
      return tokens;
    });
}

export function commaList() {
  return z
    .string()
    .optional()
    .transform((raw) =>
      isUnset(raw)
        ? []
        : raw
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item.length > 0),
    );
}
