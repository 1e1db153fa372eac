import { sql } from 'kysely';
import type { RunCursor } from './run-cursor.js';

/*
 * The runs list (`GET /jobs/runs`) is the hottest read of the API, and building each run as an object
 * (twenty pg fields parsed, `toRunView`, then `JSON.stringify`) cost the service several times what the
 * query did. A page is instead written as JSON text straight from one text per row, and must be exactly
 * what `JSON.stringify({ items: rows.map(toRunView), next_cursor })` wrote from the `VIEW_COLUMNS` rows:
 * test/jobs/runs-page.integration.spec.ts compares the two, byte for byte, on every kind of run.
 */

/**
 * A page row is one text: the run's values joined by U+0001, which none of them can hold — ids, the
 * check-constrained status and trigger, integers, epoch seconds with six decimals, jsonb text and the
 * `to_json` of the free text columns (JSON escapes every control character). An absent value is ''.
 * Timestamps travel as epoch seconds (`to_char`, as the view columns use it, costs PostgreSQL more than the
 * rest of the row); the free text arrives as the JSON string `JSON.stringify` would write, since
 * PostgreSQL's JSON escaping is the same (test/jobs/runs-page.integration.spec.ts holds them to it).
 */
export const PAGE_COLUMNS = sql.raw(`concat_ws(chr(1), r.id, r.status, r.trigger, r.attempts,
  coalesce(r.duration_ms::text, ''), r.items_processed, r.items_created, r.items_updated, r.items_skipped,
  extract(epoch from r.started_at), coalesce(extract(epoch from r.completed_at)::text, ''),
  extract(epoch from r.heartbeat_at), coalesce(extract(epoch from r.scheduled_for)::text, ''),
  r.params::text, r.custom::text, coalesce(r.progress::text, ''),
  to_json(r.job_key), to_json(r.job_name), to_json(r.owner), coalesce(to_json(nullif(r.error, ''))::text, ''),
  coalesce(extract(epoch from r.queued_at)::text, '')) as run`);

export interface RunPageRow {
  run: string;
}

const PACKED_VALUES = 21;
const SEPARATOR = '\u0001';
const DAY_MS = 86_400_000;
/** 0001-01-01 and 9999-12-31T23:59:59.999Z: the years `Date#toISOString` writes as `to_char`'s `YYYY` does. */
const FIRST_MS = -62_135_596_800_000;
const LAST_MS = 253_402_300_799_999;

/** A time in epoch milliseconds and the microseconds past them (0–999). */
interface Instant {
  ms: number;
  micros: number;
}

/** `extract(epoch from …)` text (`1764633599.123456`, `-1.500400`); undefined for anything else. */
function instantOf(epoch: string): Instant | undefined {
  const dot = epoch.length - 7;
  const negative = epoch.charCodeAt(0) === 45;
  if (dot < (negative ? 2 : 1) || epoch.charCodeAt(dot) !== 46) return undefined;
  const seconds = Number(epoch.slice(negative ? 1 : 0, dot));
  const fraction = Number(epoch.slice(dot + 1));
  if (!Number.isSafeInteger(seconds) || !Number.isInteger(fraction) || fraction < 0) return undefined;
  // Before 1970 the fraction counts back from the second: -1.500400 is 23:59:58.499600.
  const up = Math.ceil(fraction / 1000);
  const ms = negative ? -seconds * 1000 - up : seconds * 1000 + Math.floor(fraction / 1000);
  if (!(ms >= FIRST_MS && ms <= LAST_MS)) return undefined;
  return { ms, micros: negative ? up * 1000 - fraction : fraction % 1000 };
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
// The runs of a page mostly share their day: its `YYYY-MM-DDT` is formatted once.
let cachedDay = Number.NaN;
let cachedDayPrefix = '';

/** `Date#toISOString` (`2026-11-28T00:00:00.012Z`) for a time in FIRST_MS..LAST_MS, without a Date per value. */
function isoOf(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDayPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    cachedDay = day;
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${cachedDayPrefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}Z`;
}

/**
 * jsonb text (`{"limit": 100}`) as `JSON.stringify` writes the parsed value (`{"limit":100}`), which is what
 * the view path wrote: the same numbers, escapes and key order whatever PostgreSQL printed.
 */
const canonicalJson = (text: string): string => JSON.stringify(JSON.parse(text));

const timeOrNull = (epoch: string): string | null | undefined => {
  if (epoch === '') return 'null';
  const instant = instantOf(epoch);
  return instant && `"${isoOf(instant.ms)}"`;
};

/**
 * One run as `JSON.stringify(toRunView(row, nowMs))` writes it; undefined for a row only the view columns
 * can write. `running` is set when the text depends on `nowMs` (a running run's duration).
 */
function runJson(text: string, nowMs: number): { json: string; running: boolean } | undefined {
  const values = text.split(SEPARATOR);
  if (values.length !== PACKED_VALUES) return undefined;
  const [id, status, trigger, attempts, durationMs, processed, created, updated, skipped] = values;
  const started = instantOf(values[9]);
  const completedAt = timeOrNull(values[10]);
  const heartbeat = instantOf(values[11]);
  const scheduledFor = timeOrNull(values[12]);
  const queuedAt = timeOrNull(values[20]);
  if (
    !started ||
    completedAt === undefined ||
    !heartbeat ||
    scheduledFor === undefined ||
    queuedAt === undefined
  ) {
    return undefined;
  }
  // Integers, uuids and the check-constrained status and trigger print as JSON.stringify prints them; a
  // running run's duration is measured up to nowMs.
  const running = durationMs === '' && status === 'running';
  const duration =
    durationMs !== '' ? durationMs : running ? JSON.stringify(Math.max(0, nowMs - started.ms)) : '0';
  const progress = values[15];
  const error = values[19];
  const json =
    `{"success":${status === 'succeeded'},"job_name":${values[17]},"duration_ms":${duration}` +
    `,"started_at":"${isoOf(started.ms)}","completed_at":${completedAt}` +
    `,"metrics":{"items_processed":${processed},"items_created":${created},"items_updated":${updated}` +
    `,"items_skipped":${skipped},"custom":${canonicalJson(values[14])}}` +
    (error === '' ? '' : `,"error":${error}`) +
    `,"run_id":"${id}","status":"${status}","attempts":${attempts},"job_key":${values[16]}` +
    `,"trigger":"${trigger}","scheduled_for":${scheduledFor},"queued_at":${queuedAt},"params":${canonicalJson(values[13])}` +
    `,"progress":${progress === '' ? 'null' : canonicalJson(progress)}` +
    `,"heartbeat_at":"${isoOf(heartbeat.ms)}","owner":${values[18]}}`;
  return { json, running };
}

/**
 * Written runs by their row text. A row's text is all the writer reads, so the same text always writes the
 * same JSON (except a running run's, which moves with the clock and is not kept): a polled page, or a page
 * that gained a run at the top, writes the rest from here. Two generations of at most RUNS_KEPT runs
 * each (about 1 KB a run), so the runs in use stay. One generation holds fifty pages of fifty runs: with 1,000,
 * fifty different pages polled in turn (2,500 runs) missed on every run (issue 21 item 9, docs/scaling.md).
 */
const RUNS_KEPT = 4000;
const RUN_TEXT_KEPT = 4096;
let recentRuns = new Map<string, string>();
let olderRuns = new Map<string, string>();

/**
 * V8 keeps a concatenation as a tree of its parts until something reads it, and a page that sends a kept
 * run would walk that tree again on every request; reading one character flattens it, once.
 */
function flattened(json: string): string {
  json.charCodeAt(0);
  return json;
}

function writtenRun(text: string, nowMs: number): string | undefined {
  const known = recentRuns.get(text);
  if (known !== undefined) return known;
  const older = olderRuns.get(text);
  const written = older === undefined ? runJson(text, nowMs) : { json: older, running: false };
  if (written === undefined) return undefined;
  const json = flattened(written.json);
  if (!written.running && text.length <= RUN_TEXT_KEPT) {
    if (recentRuns.size >= RUNS_KEPT) {
      olderRuns = recentRuns;
      recentRuns = new Map();
    }
    recentRuns.set(text, json);
  }
  return json;
}

/**
 * The `items` of a page, `[…]`, for its first `count` rows; undefined when a row holds a time outside years
 * 1–9999 (or anything else this writer does not know), which the caller then writes from the view columns.
 */
export function runPageItemsJson(
  rows: readonly RunPageRow[],
  count: number,
  nowMs: number,
): string | undefined {
  let json = '[';
  for (let index = 0; index < count; index += 1) {
    const run = writtenRun(rows[index].run, nowMs);
    if (run === undefined) return undefined;
    json += index === 0 ? run : `,${run}`;
  }
  return `${json}]`;
}

/** The keyset position of a page row (its `started_at` to the microsecond), as the next cursor holds it. */
export function runPagePosition(row: RunPageRow): RunCursor | undefined {
  const values = row.run.split(SEPARATOR, 10);
  const started = values.length === 10 ? instantOf(values[9]) : undefined;
  if (!started) return undefined;
  return { startedAt: `${isoOf(started.ms).slice(0, 23)}${THREE_DIGITS[started.micros]}Z`, id: values[0] };
}
