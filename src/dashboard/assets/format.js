// Shared formatting: plain functions of values, no DOM, so they run (and are tested) outside a browser too.
// Time-dependent ones take `now` (milliseconds) and default to the clock.

export const DASH = '—';
export const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'abandoned', 'skipped'];
export const ACTIVE = new Set(['queued', 'running']);
export const HEALTH_STATES = new Set(['healthy', 'late', 'failing', 'unknown']);
export const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const pad = (n) => String(n).padStart(2, '0');
const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
export const number = (n) => (typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en') : '?');

export function utc(date) {
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

export function relative(date, now = Date.now()) {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relativeFormat.format(seconds, 'second');
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), 'minute');
  if (abs < 172_800) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
  return relativeFormat.format(Math.round(seconds / 86_400), 'day');
}

export const parseTime = (iso) => {
  const date = typeof iso === 'string' ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
};

export function formatDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A finished run's duration, or how long a running one has been going. */
export function runDuration(run, now = Date.now()) {
  if (typeof run.duration_ms === 'number' && !ACTIVE.has(run.status)) return run.duration_ms;
  const started = parseTime(run.started_at);
  return run.status === 'running' && started ? now - started.getTime() : null;
}

export function formatCounts(metrics) {
  if (!metrics) return DASH;
  return [metrics.items_processed, metrics.items_created, metrics.items_updated, metrics.items_skipped]
    .map(number)
    .join(' / ');
}

export function countsInWords(metrics) {
  if (!metrics) return '';
  return (
    `${number(metrics.items_processed)} processed, ${number(metrics.items_created)} created, ` +
    `${number(metrics.items_updated)} updated, ${number(metrics.items_skipped)} skipped`
  );
}

/** `{percent, text}` of a running run's progress, or null. */
export function progressOf(run) {
  if (!run || run.status !== 'running' || !run.progress) return null;
  const { done, total } = run.progress;
  if (typeof done !== 'number') return null;
  if (typeof total === 'number' && total > 0) {
    const percent = Math.min(100, Math.round((done / total) * 100));
    return { percent, text: `${percent}% · ${number(done)} / ${number(total)}` };
  }
  return { percent: null, text: `${number(done)} done` };
}

export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const isNumber = (field) => /^\d+$/.test(field);
const step = (field) => /^\*\/(\d+)$/.exec(field)?.[1];

/** The common shapes of a 6-field cron expression in words; anything else is left to the expression itself. */
export function scheduleInWords(expression) {
  const fields = String(expression ?? '')
    .trim()
    .split(/\s+/);
  if (fields.length !== 6) return 'custom schedule';
  const [sec, min, hour, dom, month, dow] = fields;
  const at = () => `${pad(hour)}:${pad(min)}${sec === '0' ? '' : `:${pad(sec)}`} UTC`;
  if (dom !== '*' || month !== '*') return 'custom schedule';
  if (dow === '*') {
    if (step(sec) && min === '*' && hour === '*') return `every ${step(sec)} seconds`;
    if (sec === '*' && min === '*' && hour === '*') return 'every second';
    if (!isNumber(sec)) return 'custom schedule';
    if (min === '*' && hour === '*') return 'every minute';
    if (step(min) && hour === '*') return `every ${step(min)} minutes`;
    if (isNumber(min) && hour === '*') return `hourly at minute ${Number(min)}`;
    if (isNumber(min) && step(hour)) return `every ${step(hour)} hours at minute ${Number(min)}`;
    if (isNumber(min) && isNumber(hour)) return `daily at ${at()}`;
    return 'custom schedule';
  }
  if (/^[0-6]$/.test(dow) && isNumber(sec) && isNumber(min) && isNumber(hour)) {
    return `weekly on ${WEEKDAYS[Number(dow)]} at ${at()}`;
  }
  return 'custom schedule';
}

/** A USD amount (the API's decimal string): cents from $1 up, four significant digits below. */
export function formatPrice(value) {
  const amount = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return '?';
  const options =
    Math.abs(amount) >= 1 || amount === 0
      ? { minimumFractionDigits: 2, maximumFractionDigits: 2 }
      : { maximumSignificantDigits: 4 };
  return `${amount < 0 ? '-' : ''}$${Math.abs(amount).toLocaleString('en', options)}`;
}

/** The ranges a price chart offers, and how far back each reaches. */
export const PRICE_RANGES = ['day', 'week', 'month', 'year', 'all'];
/** The series route refuses a wider range; "all" of an older history starts here instead. */
const MAX_RANGE_MONTHS = 120;

/** `months` calendar months before `date`, on the same day or the month's last (31 March → 28/29 February). */
export function monthsBefore(date, months) {
  const back = new Date(date);
  const day = back.getUTCDate();
  back.setUTCDate(1);
  back.setUTCMonth(back.getUTCMonth() - months);
  const lastDay = new Date(Date.UTC(back.getUTCFullYear(), back.getUTCMonth() + 1, 0)).getUTCDate();
  back.setUTCDate(Math.min(day, lastDay));
  return back;
}

/**
 * `{from, to}` (ISO) of a chart range ending at `now`: a day or a week of hours, a calendar month or year,
 * or "all" from the asset's first stored price (null when it has none).
 */
export function rangeBounds(range, now, firstAt) {
  const end = new Date(now);
  let start;
  if (range === 'day') start = new Date(now - 86_400_000);
  else if (range === 'week') start = new Date(now - 7 * 86_400_000);
  else if (range === 'month') start = monthsBefore(end, 1);
  else if (range === 'year') start = monthsBefore(end, 12);
  else if (range === 'all') {
    const first = parseTime(firstAt);
    if (!first) return null;
    const earliest = monthsBefore(end, MAX_RANGE_MONTHS).getTime();
    start = new Date(Math.min(now, Math.max(first.getTime(), earliest)));
  } else return null;
  return { from: start.toISOString(), to: end.toISOString() };
}
