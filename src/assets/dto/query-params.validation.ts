import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments } from 'class-validator';
import { isCalendarDate, parseIsoTimestamp } from '../iso-time.js';

/**
 * Query parameters arrive as text (the global ValidationPipe runs with `enableImplicitConversion: false`),
 * and a repeated parameter arrives as an array. These transforms convert only what is unambiguous and
 * leave anything else as sent, so the validator refuses it with a message naming the parameter — rather
 * than `Number('')` quietly becoming 0 or `Boolean('false')` becoming true.
 */

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;

/** Digits become a number; `abc`, `1.5`, `-1`, `1e3` stay text and fail `@IsPageLimit()`. */
export const ToInteger = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value,
  );

/** `true`/`false` (any case) become booleans; anything else stays as sent and fails `@IsBoolean()`. */
export const ToBoolean = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    const lower = value.toLowerCase();
    return lower === 'true' ? true : lower === 'false' ? false : value;
  });

/** Trims text; an empty or blank value counts as absent (`?search=` lists everything). */
export const ToTrimmedOrAbsent = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim() || undefined : value,
  );

/**
 * Canonical spelling of an ISO timestamp: upper-case `T`/`Z`, and a `+` restored where the query string
 * decoding turned it into a space (`?from=2026-11-28T10:00:00+02:00` sent without encoding the `+`).
 */
export const ToIsoTimestamp = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .trim()
          .replace(/ (\d{2}:\d{2})$/, '+$1')
          .toUpperCase()
      : value,
  );

/** An integer from 1 to `MAX_PAGE_SIZE`, with one message whatever is wrong with it. */
export const IsPageLimit = (): PropertyDecorator =>
  ValidateBy({
    name: 'isPageLimit',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_PAGE_SIZE,
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'limit'} must be an integer from 1 to ${MAX_PAGE_SIZE}`,
    },
  });

/** A day as `YYYY-MM-DD` that exists in the calendar. */
export const IsCalendarDate = (): PropertyDecorator =>
  ValidateBy({
    name: 'isCalendarDate',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isCalendarDate(value),
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'date'} must be a calendar date as YYYY-MM-DD (e.g. 2026-11-28)`,
    },
  });

/** An ISO 8601 instant with a zone; see `parseIsoTimestamp`. */
export const IsIsoTimestamp = (): PropertyDecorator =>
  ValidateBy({
    name: 'isIsoTimestamp',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseIsoTimestamp(value) !== undefined,
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'value'} must be an ISO 8601 timestamp with a time zone (e.g. 2026-11-28T00:00:00Z)`,
    },
  });

export const MAX_CHAIN_LENGTH = 100;

/** A required chain name, with one message saying what is wrong (absent, or not a short name). */
export const IsChainName = (): PropertyDecorator =>
  ValidateBy({
    name: 'isChainName',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && value.length > 0 && value.length <= MAX_CHAIN_LENGTH,
      defaultMessage: (args?: ValidationArguments) =>
        args?.value === undefined
          ? 'chain is required: a chain name such as ethereum or solana'
          : `chain must be one chain name of at most ${MAX_CHAIN_LENGTH} characters`,
    },
  });
