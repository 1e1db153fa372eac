import { JsonNumber, parseJsonKeepingNumbers } from './coingecko.json.js';

/** What CoinGecko said about a failure in its JSON body. */
export interface UpstreamError {
  /** `error_code` (10002, 10005, 10012, 429, …). */
  code?: number;
  /** `error_message` or `error`, on one line, secrets removed, at most MAX_UPSTREAM_MESSAGE characters. */
  message?: string;
}

/**
 * Long enough for CoinGecko's longest message (the 10012 range refusal is about 230 characters with its pricing
 * link), short enough that an HTML page or a dump echoed into a body cannot fill a run's error column.
 */
export const MAX_UPSTREAM_MESSAGE = 300;
/** The real bodies nest at most twice (`error.status`); deeper objects are not error bodies. */
const MAX_DEPTH = 3;
const REDACTED = '[redacted]';
/** Longer than any API key or token a message could carry (CoinGecko's are about 30 characters). */
const LONGEST_KEY = 80;

/*
 * Key-shaped text that must never reach an error message, a log or an API answer, whatever the upstream or a
 * proxy echoes back: the key headers or query parameters with their value, any `…key=`/`token=` query
 * parameter, and CoinGecko's own key format (`CG-` and letters/digits).
 */
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  [/(x[-_]cg[-_](?:demo|pro)[-_]api[-_]key["']?\s*[=:]\s*["']?)[^\s&"',;}]+/gi, `$1${REDACTED}`],
  [/((?:^|[?&;\s])[\w-]*(?:key|token|secret)=)[^&\s#"']+/gi, `$1${REDACTED}`],
  [/\bCG-[A-Za-z0-9]{8,}/g, REDACTED],
];

/**
 * `text` without anything that looks like an API key, nor any of `secrets` (the configured key, raw or
 * URL-encoded). Secrets shorter than 4 characters are ignored: replacing them would garble the message.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret === undefined || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)]))
      result = result.split(form).join(REDACTED);
  }
  for (const [pattern, replacement] of SECRET_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/**
 * One line, secrets removed, cut at `max` characters. The configured key is only removed later, with the whole
 * message (coinGeckoFailureMessage), so the cut never splits a word: a key straddling `max` goes whole, not
 * leaving a prefix that the later removal would no longer recognise.
 */
export function clipUpstream(text: string, max = MAX_UPSTREAM_MESSAGE): string {
  const oneLine = redactSecrets(text).replace(/\s+/g, ' ').trim();
  if (oneLine.length <= max) return oneLine;
  const space = oneLine.charAt(max) === ' ' ? max : oneLine.lastIndexOf(' ', max);
  // A word longer than any key (a dump without spaces) is cut where it stands.
  const cut = space >= 0 && max - space <= LONGEST_KEY ? space : max;
  return `${oneLine.slice(0, cut)}…`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber)
  );
}

function asCode(value: unknown): number | undefined {
  const number = value instanceof JsonNumber ? value.value : typeof value === 'number' ? value : undefined;
  return number !== undefined && Number.isSafeInteger(number) && number > 0 ? number : undefined;
}

function asMessage(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * CoinGecko's error bodies, whatever their shape:
 * - `{"status":{"error_code":429,"error_message":"…"}}` (rate limit, key errors — sometimes with HTTP 200);
 * - `{"error":{"status":{"error_code":10012,"error_message":"…"}}}` (a history range past the plan's limit);
 * - `{"error":"coin not found"}` (404, 422), `{"status":500,"error":"Internal Server Error"}`;
 * - `{"error_code":…,"error_message":…}`, also with the code and the message at different levels.
 * Undefined when the value carries neither a code nor a message (a normal answer, or garbage).
 */
export function errorInfoOf(body: unknown, depth = 0): UpstreamError | undefined {
  if (!isObject(body) || depth >= MAX_DEPTH) return undefined;
  const status = isObject(body.status) ? body.status : undefined;
  const nested = isObject(body.error) ? errorInfoOf(body.error, depth + 1) : undefined;
  const code = asCode(status?.error_code) ?? asCode(body.error_code) ?? nested?.code;
  const message =
    asMessage(status?.error_message) ??
    asMessage(body.error_message) ??
    asMessage(body.error) ??
    nested?.message;
  if (code === undefined && message === undefined) return undefined;
  return {
    ...(code === undefined ? {} : { code }),
    ...(message === undefined ? {} : { message: depth === 0 ? clipUpstream(message) : message }),
  };
}

/** {@link errorInfoOf} of a raw body; undefined when it is not JSON. */
export function parseErrorBody(text: string): UpstreamError | undefined {
  try {
    return errorInfoOf(parseJsonKeepingNumbers(text));
  } catch {
    return undefined;
  }
}
