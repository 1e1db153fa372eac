/* global window, location, Node, URLSearchParams -- browser globals beyond those eslint.config.mjs lists */
// The jobs dashboard: reads /api/v1 with the bearer token the operator enters and renders it.
// The token lives in this tab's sessionStorage only (gone with the tab) and travels only in the
// Authorization header. Every value from the API reaches the page through textContent or SVG
// attributes, never as HTML. Jobs, their trigger routes and limits come from GET /api/v1/jobs.

const API = '/api/v1';
const TOKEN_KEY = 'cpb.dashboard.token';
const REFRESH_MS = 10_000;
/** While a run is in progress its progress and end are worth seeing sooner. */
const BUSY_REFRESH_MS = 2_000;
const HISTORY_PAGE = 25;
const CHART_RUNS = 50;
const ALERTS_SHOWN = 10;
const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'abandoned', 'skipped'];
const ACTIVE = new Set(['queued', 'running']);
const HEALTH_STATES = new Set(['healthy', 'late', 'failing', 'unknown']);
/** RFC 6750 token characters are a subset of this; anything else (a pasted newline, a space) is a typo. */
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SVG_NS = 'http://www.w3.org/2000/svg';
const DASH = '—';

const byId = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`dashboard markup lacks #${id}`);
  return node;
};

const ui = Object.fromEntries(
  [
    'token-form',
    'token',
    'forget-token',
    'status',
    'banner',
    'banner-text',
    'banner-progress',
    'banner-link',
    'banner-dismiss',
    'view-main',
    'jobs',
    'queue',
    'queue-empty',
    'filters',
    'filter-job',
    'filter-status',
    'runs-body',
    'load-more',
    'alerts',
    'alerts-note',
    'usage',
    'usage-note',
    'view-run',
    'run-heading',
    'run-message',
    'run-detail',
    'run-dialog',
    'run-form',
    'run-dialog-heading',
    'run-dialog-description',
    'run-limit-fields',
    'run-limit',
    'run-limit-help',
    'run-all-field',
    'run-all',
    'run-dialog-error',
    'run-cancel',
    'cancel-dialog',
    'cancel-dialog-text',
    'refreshed',
    'refresh-now',
  ].map((id) => [id.replace(/-(\w)/g, (_, c) => c.toUpperCase()), byId(id)]),
);

const state = {
  token: loadToken(),
  /** The service refused the token (401): stop asking until the operator enters another. */
  refused: false,
  /** A trigger or cancel answered 403: this token may read but not act. */
  readOnly: false,
  /** Bumped by every refresh and token change, so that a late answer never paints over a newer one. */
  generation: 0,
  timer: undefined,
  jobs: [],
  /** Job key → its panel, kept across refreshes so a focused button is not replaced under the user. */
  panels: new Map(),
  /** Job key → { signature, runs } of its chart: refetched only when the job's last run changed. */
  charts: new Map(),
  triggering: new Set(),
  history: { items: [], cursor: null, extra: false },
  historyRows: new Map(),
  /** Run ids whose error expander is open (rows are rebuilt, the operator's choice is not). */
  expanded: new Set(),
  /** Routes that answered 404 (not in this service version): not asked again until a reload. */
  missing: new Set(),
  /** The run started with Run now that the banner follows. */
  follow: null,
  /** The run shown at #/runs/<id>. */
  detailId: null,
  /** The job the Run now dialog is for. */
  dialogJob: null,
  cancelRun: null,
};

// --- token storage -------------------------------------------------------------------------------

function loadToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return ''; // storage disabled by the browser: the token then lives in this page only
  }
}

function saveToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: nothing to keep, nothing to forget.
  }
}

// --- API ------------------------------------------------------------------------------------------

/** One call to the API (a path under /api/v1, or an absolute `/api/…` path); never throws: status 0 = unreachable. */
async function call(path, { method = 'GET', body } = {}) {
  let response;
  try {
    const headers = new Headers({ Accept: 'application/json', Authorization: `Bearer ${state.token}` });
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    response = await fetch(path.startsWith('/api/') ? path : `${API}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    return { status: 0, data: null, message: 'the service cannot be reached' };
  }
  const data = await response.json().catch(() => null);
  const message =
    data && typeof data.message === 'string'
      ? data.message
      : `HTTP ${response.status} ${response.statusText}`;
  return { status: response.status, data, message };
}

/** A route another part of the service may not have yet: 404 means "not here", remembered until a reload. */
async function optional(key, path) {
  if (state.missing.has(key)) return { status: 404, data: null, message: 'not available' };
  const answer = await call(path);
  if (answer.status === 404) state.missing.add(key);
  return answer;
}

// --- rendering helpers ----------------------------------------------------------------------------

function element(tag, { text, className, title, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  if (title) node.title = title;
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

function svg(tag, attrs = {}, children = []) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

/** Replaces `node`'s content only when what it shows changed: a focused control inside survives a refresh. */
function show(node, signature, build) {
  const sig = typeof signature === 'string' ? signature : JSON.stringify(signature);
  if (node.dataset.sig === sig) return;
  node.dataset.sig = sig;
  const content = build();
  node.replaceChildren(...(Array.isArray(content) ? content : [content]));
}

const pad = (n) => String(n).padStart(2, '0');
const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const number = (n) => (typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en') : '?');

function utc(date) {
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

function relative(date) {
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relativeFormat.format(seconds, 'second');
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), 'minute');
  if (abs < 172_800) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
  return relativeFormat.format(Math.round(seconds / 86_400), 'day');
}

const parseTime = (iso) => {
  const date = typeof iso === 'string' ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
};

/** A UTC time with how long ago (or until) it is; the reader's local time in the tooltip. */
function timeNode(iso, { ageFirst = false } = {}) {
  const date = parseTime(iso);
  if (!date) return document.createTextNode(typeof iso === 'string' ? iso : DASH);
  const parts = [
    element('span', { text: utc(date) }),
    element('span', { className: 'relative', text: relative(date) }),
  ];
  if (ageFirst) parts.reverse();
  return element('time', { attrs: { datetime: iso }, title: `${date.toLocaleString()} (local time)` }, parts);
}

function formatDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A finished run's duration, or how long a running one has been going. */
function runDuration(run) {
  if (typeof run.duration_ms === 'number' && !ACTIVE.has(run.status)) return run.duration_ms;
  const started = parseTime(run.started_at);
  return run.status === 'running' && started ? Date.now() - started.getTime() : null;
}

function formatCounts(metrics) {
  if (!metrics) return DASH;
  return [metrics.items_processed, metrics.items_created, metrics.items_updated, metrics.items_skipped]
    .map(number)
    .join(' / ');
}

function countsInWords(metrics) {
  if (!metrics) return '';
  return (
    `${number(metrics.items_processed)} processed, ${number(metrics.items_created)} created, ` +
    `${number(metrics.items_updated)} updated, ${number(metrics.items_skipped)} skipped`
  );
}

/** `{percent, text}` of a running run's progress, or null. */
function progressOf(run) {
  if (!run || run.status !== 'running' || !run.progress) return null;
  const { done, total } = run.progress;
  if (typeof done !== 'number') return null;
  if (typeof total === 'number' && total > 0) {
    const percent = Math.min(100, Math.round((done / total) * 100));
    return { percent, text: `${percent}% · ${number(done)} / ${number(total)}` };
  }
  return { percent: null, text: `${number(done)} done` };
}

function progressNode(run, label) {
  const progress = progressOf(run);
  if (!progress) return document.createTextNode(run?.status === 'running' ? 'starting…' : DASH);
  const bar = element('progress', { attrs: { max: 100, 'aria-label': label } });
  if (progress.percent !== null) bar.value = progress.percent; // indeterminate without a total
  return element('span', { className: 'progress' }, [bar, element('span', { text: progress.text })]);
}

function statusBadge(status) {
  const known = STATUSES.includes(status);
  return element('span', {
    text: status ?? 'unknown',
    className: `badge status-${known ? status : 'unknown'}`,
  });
}

function healthBadge(health) {
  const stateName = HEALTH_STATES.has(health?.state) ? health.state : 'unknown';
  const streak =
    stateName === 'failing' && health.consecutive_failures > 0
      ? ` · ${health.consecutive_failures} in a row`
      : '';
  return element('span', { text: `${stateName}${streak}`, className: `badge health-${stateName}` });
}

/** First line, for a table cell; the whole text behind an expander (keyboard-operable: <details>). */
function errorNode(runId, error) {
  if (!error) return document.createTextNode(DASH);
  const details = element('details', { className: 'error-text' }, [
    element('summary', { text: error.split('\n')[0] }),
    element('pre', { text: error }),
  ]);
  details.open = state.expanded.has(runId);
  details.addEventListener('toggle', () =>
    details.open ? state.expanded.add(runId) : state.expanded.delete(runId),
  );
  return details;
}

function runLink(run, text) {
  return element('a', { text: text ?? run.job_name ?? run.job_key, attrs: { href: `#/runs/${run.run_id}` } });
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const isNumber = (field) => /^\d+$/.test(field);
const step = (field) => /^\*\/(\d+)$/.exec(field)?.[1];

/** The common shapes of a 6-field cron expression in words; anything else is left to the expression itself. */
function scheduleInWords(expression) {
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

// --- charts ---------------------------------------------------------------------------------------

let chartCount = 0;

function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The words a chart stands for: what a screen reader reads, and a summary for everyone. */
function chartSummary(runs) {
  if (runs.length === 0) return 'No finished runs yet.';
  const count = (status) => runs.filter((run) => run.status === status).length;
  const durations = runs.map((run) => run.duration_ms).filter((ms) => typeof ms === 'number');
  const items = runs.map((run) => run.metrics?.items_processed ?? 0);
  const others = runs.length - count('succeeded') - count('failed');
  return (
    `Last ${runs.length} finished runs: ${count('succeeded')} succeeded, ${count('failed')} failed` +
    `${others ? `, ${others} other` : ''}. Duration median ${formatDuration(median(durations))}, ` +
    `longest ${formatDuration(Math.max(0, ...durations))}. Items per run ${number(Math.min(...items))}` +
    `–${number(Math.max(...items))}, latest ${number(items.at(-1))}.`
  );
}

/**
 * Duration (top) and items processed (bottom) of each finished run, oldest on the left; failed runs are red
 * with a mark above them. Inline SVG built here: no library, nothing from another origin.
 */
function chartNode(newestFirst, { highlight } = {}) {
  const runs = newestFirst
    .filter((run) => !ACTIVE.has(run.status))
    .slice(0, CHART_RUNS)
    .reverse();
  const id = `chart-${++chartCount}`;
  const width = 500;
  const top = 56;
  const bottom = 40;
  const gap = 14;
  const height = top + gap + bottom + 4;
  const slot = width / CHART_RUNS;
  const maxDuration = Math.max(1, ...runs.map((run) => run.duration_ms ?? 0));
  const maxItems = Math.max(1, ...runs.map((run) => run.metrics?.items_processed ?? 0));
  const bars = runs.map((run, index) => {
    const x = (index + CHART_RUNS - runs.length) * slot + 1;
    const failed = run.status === 'failed' || run.status === 'abandoned';
    const d = Math.max(1, ((run.duration_ms ?? 0) / maxDuration) * (top - 8));
    const n = ((run.metrics?.items_processed ?? 0) / maxItems) * bottom;
    const tone = failed ? 'bar-failed' : run.status === 'succeeded' ? 'bar-ok' : 'bar-other';
    const label =
      `${run.status} run started ${parseTime(run.started_at) ? utc(new Date(run.started_at)) : '?'} UTC: ` +
      `${formatDuration(run.duration_ms)}, ${number(run.metrics?.items_processed ?? 0)} items`;
    const parts = [
      svg('title', {}, [label]),
      svg('rect', { x, y: top - d, width: slot - 2, height: d, class: `bar ${tone}` }),
      svg('rect', {
        x,
        y: top + gap + bottom - n,
        width: slot - 2,
        height: Math.max(n, 0.5),
        class: `bar items ${tone}`,
      }),
    ];
    if (failed)
      parts.push(svg('path', { d: `M${x} 2 l${slot - 2} 0 l${-(slot - 2) / 2} 5 z`, class: 'fail-mark' }));
    const group = svg(
      'g',
      { 'data-run-id': run.run_id, class: run.run_id === highlight ? 'current' : '' },
      parts,
    );
    return group;
  });
  const caption = element('figcaption', { text: chartSummary(runs), attrs: { id: `${id}-summary` } });
  const chart = svg(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-labelledby': `${id}-title ${id}-summary`,
      class: 'chart',
      'data-runs': runs.length,
      preserveAspectRatio: 'none',
    },
    [
      svg('title', { id: `${id}-title` }, ['Duration (top) and items processed (bottom) of the last runs']),
      svg('line', { x1: 0, y1: top, x2: width, y2: top, class: 'axis' }),
      svg('line', { x1: 0, y1: top + gap + bottom, x2: width, y2: top + gap + bottom, class: 'axis' }),
      ...bars,
    ],
  );
  return element('figure', { className: 'chart-figure' }, [
    element('div', { className: 'chart-legend', attrs: { 'aria-hidden': 'true' } }, [
      element('span', { text: `duration (max ${formatDuration(maxDuration)})` }),
      element('span', { text: `items (max ${number(maxItems)})` }),
    ]),
    chart,
    caption,
  ]);
}

/** The job's last 50 runs, fetched again only when its latest run changed. */
async function refreshChart(job) {
  const signature = `${job.last_run?.run_id ?? ''}:${job.last_run?.status ?? ''}`;
  const cached = state.charts.get(job.key);
  if (cached && cached.signature === signature) return cached.runs;
  const answer = await call(`/jobs/runs?job=${encodeURIComponent(job.key)}&limit=${CHART_RUNS + 5}`);
  if (answer.status !== 200 || !Array.isArray(answer.data?.items)) return cached?.runs ?? [];
  state.charts.set(job.key, { signature, runs: answer.data.items });
  return answer.data.items;
}

// --- job panels -----------------------------------------------------------------------------------

function fact(term, slot) {
  return [element('dt', { text: term }), element('dd', {}, [slot])];
}

function jobPanel(job) {
  const existing = state.panels.get(job.key);
  if (existing) return existing;
  const slots = Object.fromEntries(
    [
      'health',
      'lastSuccess',
      'next',
      'schedule',
      'enabled',
      'last',
      'counts',
      'calls',
      'progress',
      'chart',
    ].map((name) => [name, element('span')]),
  );
  const headingId = `job-${job.key}`;
  const run = element('button', {
    text: 'Run now',
    attrs: { type: 'button', 'aria-label': `Run ${job.key} now` },
  });
  run.addEventListener('click', () => openRunDialog(job.key));
  const cancel = element('button', {
    text: 'Cancel run',
    className: 'danger',
    attrs: { type: 'button', 'aria-label': `Cancel the running ${job.key} run` },
  });
  cancel.hidden = true;
  cancel.addEventListener('click', () => {
    const last = state.jobs.find((candidate) => candidate.key === job.key)?.last_run;
    if (last) openCancelDialog(last);
  });
  const history = element('button', {
    text: 'History',
    attrs: { type: 'button', 'aria-label': `Show the history of ${job.key}` },
  });
  history.addEventListener('click', () => {
    ui.filterJob.value = job.key;
    void reloadHistory();
    byId('runs-heading').scrollIntoView();
  });
  const progressRow = element('div', { className: 'job-progress' }, [slots.progress]);
  const description = element('p', { className: 'help' });
  const card = element('article', { className: 'job-card', attrs: { 'aria-labelledby': headingId } }, [
    element('header', { className: 'job-head' }, [
      element('h3', { attrs: { id: headingId } }, [element('code', { text: job.key })]),
      slots.health,
    ]),
    description,
    element('dl', { className: 'facts' }, [
      ...fact('Last success', slots.lastSuccess),
      ...fact('Next run', slots.next),
      ...fact('Schedule', slots.schedule),
      ...fact('Enabled', slots.enabled),
      ...fact('Last run', slots.last),
      ...fact('Processed / created / updated / skipped', slots.counts),
      ...fact('CoinGecko calls', slots.calls),
    ]),
    progressRow,
    element('div', { className: 'actions' }, [run, cancel, history]),
    slots.chart,
  ]);
  card.dataset.job = job.key;
  const panel = { card, slots, run, cancel, description, progressRow };
  state.panels.set(job.key, panel);
  return panel;
}

function renderJobs(jobs) {
  if (jobs.length === 0) {
    state.panels.clear();
    ui.jobs.replaceChildren(element('p', { text: 'No jobs are registered.', className: 'placeholder' }));
    return;
  }
  const shown = new Set();
  jobs.forEach((job, index) => {
    const panel = jobPanel(job);
    const { slots } = panel;
    const last = job.last_run;
    const health = job.health;
    shown.add(job.key);
    panel.description.textContent = job.description ?? '';
    show(slots.health, health ?? null, () => {
      const parts = [healthBadge(health)];
      if (health?.state === 'failing' && health.failing_since) {
        parts.push(
          element('span', {
            className: 'relative',
            text: `since ${relative(new Date(health.failing_since))}`,
          }),
        );
      }
      return parts;
    });
    show(slots.lastSuccess, [health?.last_success_at, Math.floor(Date.now() / 30_000)], () =>
      health?.last_success_at
        ? timeNode(health.last_success_at, { ageFirst: true })
        : document.createTextNode('never'),
    );
    show(slots.next, [job.enabled, job.next_run_at], () =>
      job.enabled ? timeNode(job.next_run_at) : document.createTextNode('disabled'),
    );
    show(slots.schedule, job.schedule, () => [
      document.createTextNode(`${scheduleInWords(job.schedule)} `),
      element('code', { text: job.schedule }),
    ]);
    show(slots.enabled, job.enabled, () => document.createTextNode(job.enabled ? 'yes' : 'no'));
    show(
      slots.last,
      last ? [last.run_id, last.status, last.duration_ms, ACTIVE.has(last.status) && Date.now()] : 'never',
      () =>
        last
          ? [
              statusBadge(last.status),
              document.createTextNode(' '),
              runLink(last, 'details'),
              document.createTextNode(` · ${formatDuration(runDuration(last))}`),
            ]
          : document.createTextNode('never run'),
    );
    show(slots.counts, last?.metrics ?? null, () => document.createTextNode(formatCounts(last?.metrics)));
    show(slots.calls, [job.calls_per_run, job.projected_monthly_calls], () =>
      document.createTextNode(
        typeof job.calls_per_run === 'number'
          ? `${number(job.calls_per_run)} a run` +
              (typeof job.projected_monthly_calls === 'number'
                ? ` · ${number(job.projected_monthly_calls)} projected this month`
                : '')
          : DASH,
      ),
    );
    const running = last?.status === 'running';
    panel.progressRow.hidden = !running;
    show(slots.progress, running ? [last.progress, last.metrics] : '', () =>
      running
        ? [
            progressNode(last, `Progress of ${job.key}`),
            element('span', { className: 'live-counts', text: countsInWords(last.metrics) }),
          ]
        : [],
    );
    updateJobButtons(panel, job);
    // Moving a panel would blur a focused button in it: insert only when it is not already in place.
    if (ui.jobs.children[index] !== panel.card)
      ui.jobs.insertBefore(panel.card, ui.jobs.children[index] ?? null);
  });
  for (const [key, panel] of state.panels) {
    if (shown.has(key)) continue;
    panel.card.remove();
    state.panels.delete(key);
  }
  for (const child of [...ui.jobs.children]) if (!child.dataset.job) child.remove(); // the placeholder
}

function updateJobButtons(panel, job) {
  const busy = ACTIVE.has(job.last_run?.status);
  const routed = typeof job.trigger_path === 'string' && job.trigger_path.startsWith(`${API}/jobs/`);
  panel.run.disabled = state.readOnly || !routed || busy || state.triggering.has(job.key);
  panel.run.textContent = busy ? `${job.last_run.status === 'queued' ? 'Queued' : 'Running'}…` : 'Run now';
  panel.run.title = state.readOnly
    ? 'This token lacks the admin role'
    : busy
      ? 'The job is already running (on this or another replica)'
      : '';
  panel.cancel.hidden = !busy;
  panel.cancel.disabled = state.readOnly;
}

async function renderCharts(jobs) {
  for (const job of jobs) {
    const panel = state.panels.get(job.key);
    if (!panel) continue;
    const runs = await refreshChart(job);
    const finished = runs.filter((run) => !ACTIVE.has(run.status));
    show(
      panel.slots.chart,
      finished.map((run) => [run.run_id, run.status]),
      () => chartNode(runs),
    );
  }
}

// --- queue ----------------------------------------------------------------------------------------

function renderQueue(queued) {
  const ordered = [...queued].sort((a, b) =>
    String(a.queued_at ?? a.started_at).localeCompare(String(b.queued_at ?? b.started_at)),
  );
  ui.queueEmpty.hidden = ordered.length > 0;
  ui.queue.replaceChildren(
    ...ordered.map((run, index) =>
      element('li', {}, [
        element('span', { className: 'badge status-queued', text: `#${run.queue_position ?? index + 1}` }),
        document.createTextNode(' '),
        runLink(run),
        document.createTextNode(' · queued '),
        timeNode(run.queued_at ?? run.started_at),
      ]),
    ),
  );
}

// --- run history ----------------------------------------------------------------------------------

function historyQuery(cursor) {
  const params = new URLSearchParams({ limit: String(HISTORY_PAGE) });
  if (ui.filterJob.value) params.set('job', ui.filterJob.value);
  if (ui.filterStatus.value) params.set('status', ui.filterStatus.value);
  if (cursor) params.set('cursor', cursor);
  return `/jobs/runs?${params}`;
}

const HISTORY_COLUMNS = [
  'Status',
  'Job',
  'Trigger',
  'Started (UTC)',
  'Duration',
  'Progress',
  'Processed / created / updated / skipped',
  'Error',
];

function historyRow(run) {
  let row = state.historyRows.get(run.run_id);
  if (!row) {
    const cells = HISTORY_COLUMNS.map((label) => element('td', { attrs: { 'data-label': label } }));
    cells[4].className = 'numbers';
    cells[6].className = 'numbers';
    row = { tr: element('tr', {}, cells), cells };
    row.tr.dataset.runId = run.run_id;
    state.historyRows.set(run.run_id, row);
  }
  const { cells } = row;
  row.tr.dataset.status = String(run.status);
  show(cells[0], run.status, () => statusBadge(run.status));
  show(cells[1], [run.job_name, run.job_key], () => runLink(run));
  show(cells[2], run.trigger ?? '', () => document.createTextNode(String(run.trigger ?? DASH)));
  show(cells[3], [run.started_at, Math.floor(Date.now() / 30_000)], () => timeNode(run.started_at));
  show(cells[4], [run.duration_ms, run.status, run.status === 'running' && Date.now()], () =>
    document.createTextNode(formatDuration(runDuration(run))),
  );
  show(cells[5], [run.status, run.progress], () => progressNode(run, `Progress of run ${run.run_id}`));
  show(cells[6], run.metrics ?? null, () => document.createTextNode(formatCounts(run.metrics)));
  show(cells[7], run.error ?? '', () => errorNode(run.run_id, run.error));
  return row.tr;
}

function renderHistory() {
  const { items } = state.history;
  if (items.length === 0) {
    state.historyRows.clear();
    const text =
      ui.filterJob.value || ui.filterStatus.value ? 'No runs match these filters.' : 'No runs yet.';
    ui.runsBody.replaceChildren(
      element('tr', {}, [element('td', { text, className: 'placeholder', attrs: { colspan: 8 } })]),
    );
  } else {
    const rows = items.map(historyRow);
    const keep = new Set(items.map((run) => run.run_id));
    for (const id of state.historyRows.keys()) if (!keep.has(id)) state.historyRows.delete(id);
    rows.forEach((tr, index) => {
      if (ui.runsBody.children[index] !== tr)
        ui.runsBody.insertBefore(tr, ui.runsBody.children[index] ?? null);
    });
    while (ui.runsBody.children.length > rows.length) ui.runsBody.lastElementChild.remove();
  }
  ui.loadMore.hidden = !state.history.cursor;
}

/** Merges a fresh first page into what is shown, keeping the pages loaded with "Load more". */
function mergeFirstPage(page) {
  const { history } = state;
  if (!history.extra) {
    history.items = page.items;
    history.cursor = page.next_cursor;
    return;
  }
  const fresh = new Set(page.items.map((run) => run.run_id));
  const oldest = page.items.at(-1)?.started_at ?? '';
  const older = history.items.filter((run) => !fresh.has(run.run_id) && run.started_at < oldest);
  history.items = [...page.items, ...older];
}

async function reloadHistory() {
  state.history = { items: [], cursor: null, extra: false };
  state.historyRows.clear();
  ui.runsBody.replaceChildren();
  const answer = await call(historyQuery());
  if (answer.status === 200 && Array.isArray(answer.data?.items)) mergeFirstPage(answer.data);
  else say(ui.status, `Cannot load the run history (${answer.status}: ${answer.message}).`, 'error');
  renderHistory();
}

async function loadMore() {
  const cursor = state.history.cursor;
  if (!cursor) return;
  ui.loadMore.disabled = true;
  const answer = await call(historyQuery(cursor));
  ui.loadMore.disabled = false;
  if (answer.status !== 200 || !Array.isArray(answer.data?.items)) {
    say(ui.status, `Cannot load more runs (${answer.status}: ${answer.message}).`, 'error');
    return;
  }
  const shown = new Set(state.history.items.map((run) => run.run_id));
  state.history.items.push(...answer.data.items.filter((run) => !shown.has(run.run_id)));
  state.history.cursor = answer.data.next_cursor;
  state.history.extra = true;
  renderHistory();
}

// --- alerts and CoinGecko usage -------------------------------------------------------------------

function renderAlerts(answer) {
  if (answer.status === 404) {
    ui.alertsNote.textContent = 'This service does not report alerts (no /api/v1/alerts).';
    ui.alerts.replaceChildren();
    return;
  }
  const items = Array.isArray(answer.data?.items) ? answer.data.items : null;
  if (answer.status !== 200 || !items) {
    ui.alertsNote.textContent = `Cannot load the alerts (${answer.status}: ${answer.message}).`;
    return;
  }
  ui.alertsNote.textContent = items.length ? '' : 'No alerts raised.';
  show(ui.alerts, items, () =>
    items.map((alert) =>
      element('li', { className: `alert alert-${alert.event}` }, [
        element('span', { className: 'badge', text: String(alert.event ?? 'alert').replace(/^job_/, '') }),
        document.createTextNode(' '),
        element('code', { text: alert.job ?? '?' }),
        document.createTextNode(' · '),
        timeNode(alert.at),
        document.createTextNode(' · '),
        element('span', {
          className: `delivery delivery-${alert.delivery}`,
          text: `delivery: ${alert.delivery ?? '?'}${alert.last_error ? ` (${alert.last_error})` : ''}`,
        }),
        ...(alert.run_id && RUN_ID.test(alert.run_id)
          ? [
              document.createTextNode(' · '),
              element('a', { text: 'run', attrs: { href: `#/runs/${alert.run_id}` } }),
            ]
          : []),
        ...(alert.error ? [element('p', { className: 'error-line', text: alert.error })] : []),
      ]),
    ),
  );
}

/** `by_job` / `by_endpoint` as an object of counts or as a list of `{job|endpoint|key, calls}`. */
function usageEntries(value) {
  if (Array.isArray(value)) {
    return value.map((entry) => [
      String(entry.job ?? entry.endpoint ?? entry.key ?? '?'),
      Number(entry.calls ?? entry.count ?? 0),
    ]);
  }
  if (value && typeof value === 'object')
    return Object.entries(value).map(([key, calls]) => [key, Number(calls)]);
  return [];
}

function usageList(title, entries) {
  return element('div', { className: 'usage-list' }, [
    element('h3', { text: title }),
    entries.length
      ? element(
          'ul',
          {},
          entries
            .sort((a, b) => b[1] - a[1])
            .map(([key, calls]) =>
              element('li', {}, [
                element('code', { text: key }),
                document.createTextNode(` ${number(calls)}`),
              ]),
            ),
        )
      : element('p', { className: 'help', text: 'none' }),
  ]);
}

function renderUsage(answer) {
  if (answer.status === 404) {
    ui.usageNote.textContent = 'This service does not report CoinGecko usage (no /api/v1/coingecko/usage).';
    ui.usage.replaceChildren();
    return;
  }
  const usage = answer.data;
  if (answer.status !== 200 || !usage || typeof usage !== 'object') {
    ui.usageNote.textContent = `Cannot load the CoinGecko usage (${answer.status}: ${answer.message}).`;
    return;
  }
  ui.usageNote.textContent = '';
  show(ui.usage, usage, () => {
    const budget = typeof usage.budget === 'number' ? usage.budget : null;
    const meter = budget
      ? element('meter', {
          attrs: {
            min: 0,
            max: budget,
            value: Math.min(usage.calls ?? 0, budget),
            'aria-label': 'Calls this month against the budget',
          },
        })
      : null;
    return [
      element('p', {}, [
        element('strong', { text: `${number(usage.calls)} calls` }),
        document.createTextNode(
          ` in ${usage.month ?? 'this month'} (UTC)` +
            (budget ? ` of a ${number(budget)} budget` : ', no budget set'),
        ),
      ]),
      ...(meter ? [meter] : []),
      element('p', {
        text:
          (typeof usage.remaining === 'number' ? `${number(usage.remaining)} remaining · ` : '') +
          (typeof usage.projected_month_end === 'number'
            ? `projected month end ${number(usage.projected_month_end)}` +
              (budget !== null && usage.projected_month_end > budget ? ' — over the budget' : '')
            : '') +
          (parseTime(usage.resets_at) ? ` · resets ${utc(new Date(usage.resets_at))} UTC` : ''),
      }),
      element('div', { className: 'usage-lists' }, [
        usageList('By job', usageEntries(usage.by_job)),
        usageList('By endpoint', usageEntries(usage.by_endpoint)),
      ]),
    ];
  });
}

// --- run detail (#/runs/<id>) ---------------------------------------------------------------------

function route() {
  const match = /^#\/runs\/([^/]+)$/.exec(location.hash);
  const id = match && RUN_ID.test(match[1]) ? match[1].toLowerCase() : null;
  const changed = id !== state.detailId;
  state.detailId = id;
  ui.viewMain.hidden = Boolean(id);
  ui.viewRun.hidden = !id;
  if (changed && id) {
    ui.runHeading.textContent = 'Run';
    ui.runDetail.replaceChildren();
    say(ui.runMessage, 'Loading…', 'info');
    ui.runHeading.focus();
  }
  if (match && !id) say(ui.status, 'That run id is not a UUID.', 'error');
  return changed;
}

function detailRows(run) {
  const dl = element('dl', { className: 'facts detail' });
  const add = (term, content) =>
    dl.append(...fact(term, content instanceof Node ? content : document.createTextNode(String(content))));
  add('Status', statusBadge(run.status));
  add('Job', element('code', { text: run.job_key }));
  add('Label', run.job_name ?? DASH);
  add('Trigger', run.trigger ?? DASH);
  add('Slot (UTC)', run.scheduled_for ? timeNode(run.scheduled_for) : 'none (not a scheduled run)');
  add('Parameters', element('code', { text: JSON.stringify(run.params ?? {}) }));
  add('Attempts', run.attempts ?? DASH);
  add('Owner', element('code', { text: run.owner ?? DASH }));
  if (run.queued_at) add('Queued (UTC)', timeNode(run.queued_at));
  add('Started (UTC)', timeNode(run.started_at));
  add('Completed (UTC)', run.completed_at ? timeNode(run.completed_at) : DASH);
  add('Last heartbeat (UTC)', run.heartbeat_at ? timeNode(run.heartbeat_at) : DASH);
  add('Duration', formatDuration(runDuration(run)));
  if (run.cancel_requested_at) add('Cancel requested', timeNode(run.cancel_requested_at));
  if (run.cancelled_by) add('Cancelled by', run.cancelled_by);
  add('Progress', progressNode(run, 'Progress of this run'));
  const metrics = run.metrics ?? {};
  for (const name of ['items_processed', 'items_created', 'items_updated', 'items_skipped'])
    add(name, number(metrics[name]));
  return dl;
}

function customTable(custom) {
  const entries = Object.entries(custom ?? {});
  if (entries.length === 0) return element('p', { className: 'help', text: 'No custom metrics.' });
  return element('table', { className: 'metrics' }, [
    element('caption', { text: 'Custom metrics' }),
    element('thead', {}, [
      element('tr', {}, [
        element('th', { text: 'Metric', attrs: { scope: 'col' } }),
        element('th', { text: 'Value', attrs: { scope: 'col' } }),
      ]),
    ]),
    element(
      'tbody',
      {},
      entries.map(([name, value]) =>
        element('tr', {}, [
          element('th', { attrs: { scope: 'row' } }, [element('code', { text: name })]),
          element('td', {
            className: 'numbers',
            text: typeof value === 'number' ? number(value) : JSON.stringify(value),
          }),
        ]),
      ),
    ),
  ]);
}

async function refreshDetail() {
  const id = state.detailId;
  if (!id) return false;
  const answer = await call(`/jobs/runs/${id}`);
  if (id !== state.detailId) return false;
  if (answer.status === 404) {
    say(ui.runMessage, `No run ${id} (it may have been pruned).`, 'error');
    ui.runDetail.replaceChildren();
    return false;
  }
  if (answer.status !== 200 || !answer.data) {
    say(ui.runMessage, `Cannot load run ${id} (${answer.status}: ${answer.message}).`, 'error');
    return false;
  }
  const run = answer.data;
  if (ui.runMessage.dataset.tone !== 'success' && ui.runMessage.dataset.tone !== 'warning')
    say(ui.runMessage, '', 'info');
  ui.runHeading.textContent = `Run of ${run.job_key}`;
  const active = ACTIVE.has(run.status);
  const job = state.jobs.find((candidate) => candidate.key === run.job_key) ?? {
    key: run.job_key,
    last_run: run,
  };
  const history = await refreshChart(job);
  const known = history.some((item) => item.run_id === run.run_id);
  const chartRuns = known || active ? history : [run, ...history];
  show(
    ui.runDetail,
    [run, active && Date.now(), chartRuns.map((item) => [item.run_id, item.status]), state.readOnly],
    () => {
      const parts = [element('p', { className: 'help', text: `Run id ${run.run_id}` }), detailRows(run)];
      if (active) {
        const cancel = element('button', {
          text: 'Cancel',
          className: 'danger',
          attrs: { type: 'button', 'aria-label': 'Cancel this run' },
        });
        cancel.disabled = state.readOnly;
        cancel.addEventListener('click', () => openCancelDialog(run));
        parts.push(element('div', { className: 'actions' }, [cancel]));
      }
      parts.push(
        element('h3', { text: 'Error' }),
        run.error
          ? element('pre', { className: 'error-full', text: run.error })
          : element('p', { className: 'help', text: 'none' }),
      );
      parts.push(customTable(run.metrics?.custom));
      parts.push(
        element('h3', { text: `Last ${CHART_RUNS} runs of ${run.job_key}` }),
        chartNode(chartRuns, { highlight: run.run_id }),
      );
      return parts;
    },
  );
  return active;
}

// --- Run now --------------------------------------------------------------------------------------

function openRunDialog(key) {
  const job = state.jobs.find((candidate) => candidate.key === key);
  if (!job) return;
  state.dialogJob = job;
  ui.runDialogHeading.textContent = `Run ${job.key} now?`;
  ui.runDialogDescription.textContent = job.description ?? '';
  ui.runDialogError.textContent = '';
  const limit = job.limit;
  ui.runLimitFields.hidden = !limit;
  if (limit) {
    ui.runLimit.min = String(limit.min);
    ui.runLimit.max = String(limit.max);
    ui.runLimit.value = limit.default === null ? '' : String(limit.default);
    ui.runLimitHelp.textContent = `An integer from ${number(limit.min)} to ${number(limit.max)}; default ${limit.default === null ? 'all' : number(limit.default)}.`;
    ui.runAllField.hidden = !limit.nullable;
    ui.runAll.checked = limit.nullable && limit.default === null;
    ui.runLimit.disabled = ui.runAll.checked;
  } else {
    ui.runDialogDescription.textContent += ' This job takes no limit.';
  }
  ui.runDialog.showModal();
}

/** The trigger body from the dialog, or an error message. */
function dialogBody(job) {
  if (!job.limit) return { body: {} };
  if (job.limit.nullable && ui.runAll.checked) return { body: { limit: null } };
  const text = ui.runLimit.value.trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < job.limit.min || value > job.limit.max) {
    return { error: `The limit must be an integer from ${job.limit.min} to ${job.limit.max}.` };
  }
  return { body: { limit: value } };
}

function describeRefusal(what, answer) {
  switch (answer.status) {
    case 409:
      return [`${what}: ${answer.message}.`, 'warning'];
    case 403:
      return [`${what}: this token may not do that (403: ${answer.message}).`, 'error'];
    case 429:
      return [`${what}: too many triggers (429: ${answer.message}).`, 'warning'];
    case 401:
      return [
        `${what}: the service refused this token (401: ${answer.message}). Enter a valid token.`,
        'error',
      ];
    case 0:
      return [`${what}: ${answer.message}.`, 'error'];
    default:
      return [`${what} (${answer.status}: ${answer.message}).`, 'error'];
  }
}

function banner(text, tone, { runId, progress } = {}) {
  ui.banner.hidden = false;
  ui.banner.dataset.tone = tone;
  ui.bannerText.textContent = text;
  ui.bannerLink.hidden = !runId;
  if (runId) ui.bannerLink.href = `#/runs/${runId}`;
  ui.bannerProgress.hidden = !progress || progress.percent === null;
  if (progress && progress.percent !== null) ui.bannerProgress.value = progress.percent;
}

async function trigger(job, body) {
  const token = state.token;
  if (!token || state.refused) {
    banner('Enter a valid token first.', 'error');
    return;
  }
  state.triggering.add(job.key);
  renderJobs(state.jobs);
  banner(`Starting ${job.key}…`, 'info');
  const answer = await call(`${job.trigger_path}?wait=false`, { method: 'POST', body });
  state.triggering.delete(job.key);
  if (token !== state.token) return; // the operator switched tokens meanwhile: this answer is stale
  if (answer.status === 202 && answer.data?.run_id) {
    state.follow = { runId: answer.data.run_id, job: job.key };
    banner(`${job.key}: run ${answer.data.run_id} started.`, 'info', { runId: answer.data.run_id });
  } else {
    if (answer.status === 401) return refuse(answer);
    if (answer.status === 403) state.readOnly = true;
    renderJobs(state.jobs);
    const [text, tone] = describeRefusal(`${job.key} not started`, answer);
    banner(text, tone);
  }
  await refresh();
}

/** The banner follows the started run to its end. */
async function followRun() {
  const follow = state.follow;
  if (!follow) return false;
  const answer = await call(`/jobs/runs/${follow.runId}`);
  if (follow !== state.follow || answer.status !== 200 || !answer.data) return Boolean(state.follow);
  const run = answer.data;
  const options = { runId: run.run_id };
  switch (run.status) {
    case 'queued':
      banner(`${follow.job}: run queued, waiting for a free slot…`, 'info', options);
      return true;
    case 'running': {
      const progress = progressOf(run);
      const counts = countsInWords(run.metrics);
      banner(
        `${follow.job}: running${progress ? ` — ${progress.text}` : '…'}${counts ? ` (${counts})` : ''}`,
        'info',
        { ...options, progress },
      );
      return true;
    }
    case 'succeeded':
      banner(
        `${follow.job} succeeded in ${formatDuration(run.duration_ms)}: ${countsInWords(run.metrics)}.`,
        'success',
        options,
      );
      break;
    case 'failed':
      banner(
        `${follow.job} failed after ${formatDuration(run.duration_ms)}: ${run.error ?? 'no error recorded'}`,
        'error',
        options,
      );
      break;
    default:
      banner(`${follow.job}: run ${run.status}${run.error ? `: ${run.error}` : ''}.`, 'warning', options);
  }
  state.follow = null;
  return false;
}

// --- Cancel ---------------------------------------------------------------------------------------

function openCancelDialog(run) {
  state.cancelRun = run;
  ui.cancelDialogText.textContent = `Run ${run.run_id} of ${run.job_key} (${run.status}) stops between batches within one heartbeat; what it wrote so far stays.`;
  ui.cancelDialog.returnValue = '';
  ui.cancelDialog.showModal();
}

async function cancel(run) {
  const answer = await call(`/jobs/runs/${run.run_id}/cancel`, { method: 'POST' });
  const target = state.detailId === run.run_id ? ui.runMessage : null;
  let text;
  let tone;
  if (answer.status === 202)
    [text, tone] = [`Cancel requested for run ${run.run_id}; it stops within one heartbeat.`, 'warning'];
  else [text, tone] = describeRefusal('Not cancelled', answer);
  if (answer.status === 403) state.readOnly = true;
  if (target) say(target, text, tone);
  else banner(text, tone, { runId: run.run_id });
  if (answer.status === 401) return refuse(answer);
  await refresh();
}

// --- messages and the refresh loop ----------------------------------------------------------------

function say(target, text, tone = 'info') {
  target.textContent = text;
  target.dataset.tone = tone;
}

function clearData(text) {
  state.panels.clear();
  state.charts.clear();
  state.historyRows.clear();
  state.history = { items: [], cursor: null, extra: false };
  state.jobs = [];
  ui.jobs.replaceChildren(element('p', { text, className: 'placeholder' }));
  ui.runsBody.replaceChildren();
  ui.loadMore.hidden = true;
  ui.queue.replaceChildren();
  ui.alerts.replaceChildren();
  ui.usage.replaceChildren();
  ui.runDetail.replaceChildren();
  // Emptied by hand: the next answer must render even if it equals the last one shown.
  for (const node of [ui.alerts, ui.usage, ui.runDetail]) delete node.dataset.sig;
  ui.refreshed.textContent = '';
}

function refuse(answer) {
  state.refused = true;
  state.follow = null;
  ui.banner.hidden = true;
  say(ui.status, `The service refused this token (401: ${answer.message}). Enter a valid token.`, 'error');
  clearData('No data: the token was refused.');
}

function describeReadFailure(answer) {
  switch (answer.status) {
    case 0:
      return `Cannot load the jobs: ${answer.message}. Retrying.`;
    case 403:
      return `This token may not read the jobs (403: ${answer.message}).`;
    case 503:
      return `The service is unavailable (503: ${answer.message}). Retrying.`;
    case 200:
      return 'Cannot load the jobs: the answer was not the API’s JSON. Retrying.';
    default:
      return `Cannot load the jobs (${answer.status}: ${answer.message}). Retrying.`;
  }
}

function schedule(delay) {
  clearTimeout(state.timer);
  // A hidden tab waits: it refreshes as soon as it is shown again (see visibilitychange below).
  state.timer = setTimeout(() => (document.hidden ? schedule(delay) : void refresh()), delay);
}

function fillFilters(jobs) {
  const keys = jobs.map((job) => job.key);
  const selected = ui.filterJob.value;
  show(ui.filterJob, keys, () => [
    element('option', { text: 'All jobs', attrs: { value: '' } }),
    ...keys.map((key) => element('option', { text: key, attrs: { value: key } })),
  ]);
  ui.filterJob.value = keys.includes(selected) ? selected : '';
}

async function refresh() {
  clearTimeout(state.timer);
  const generation = ++state.generation;
  if (!state.token) {
    say(ui.status, 'Enter a bearer token to load the jobs.', 'info');
    clearData('No data yet: enter a token above.');
    return;
  }
  const pageQuery = historyQuery();
  const [jobs, page, queued, alerts, usage] = await Promise.all([
    call('/jobs'),
    call(pageQuery),
    call('/jobs/runs?status=queued&limit=50'),
    optional('alerts', `/alerts?limit=${ALERTS_SHOWN}`),
    optional('usage', '/coingecko/usage'),
  ]);
  if (generation !== state.generation) return;
  // A 200 that is not the API's JSON (a proxy's page, say) is a failure too.
  const failure = [jobs, page].find((answer) => answer.status !== 200 || answer.data === null);
  if (failure) {
    if (failure.status === 401) return refuse(failure);
    say(ui.status, describeReadFailure(failure), 'error');
    schedule(REFRESH_MS);
    return;
  }
  state.jobs = Array.isArray(jobs.data) ? jobs.data : Array.isArray(jobs.data.items) ? jobs.data.items : [];
  fillFilters(state.jobs);
  renderJobs(state.jobs);
  // The filters may have changed while this page was on its way: reloadHistory has the newer one.
  if (Array.isArray(page.data.items) && pageQuery === historyQuery()) mergeFirstPage(page.data);
  renderHistory();
  renderQueue(queued.status === 200 && Array.isArray(queued.data?.items) ? queued.data.items : []);
  renderAlerts(alerts);
  renderUsage(usage);
  const [, following, detailActive] = await Promise.all([
    renderCharts(state.jobs),
    followRun(),
    refreshDetail(),
  ]);
  if (generation !== state.generation) return;
  say(ui.status, '', 'info');
  ui.refreshed.textContent = `Last refreshed ${utc(new Date())} UTC.`;
  const busy =
    following ||
    detailActive ||
    state.jobs.some((job) => ACTIVE.has(job.last_run?.status)) ||
    state.history.items.some((run) => ACTIVE.has(run.status));
  schedule(busy ? BUSY_REFRESH_MS : REFRESH_MS);
}

// --- wiring ---------------------------------------------------------------------------------------

function useToken(token) {
  state.token = token;
  state.refused = false;
  state.readOnly = false;
  state.follow = null;
  saveToken(token);
  ui.banner.hidden = true;
  clearData(token ? 'Loading…' : 'No data yet: enter a token above.');
  void refresh();
}

ui.tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = ui.token.value.trim();
  if (token && !TOKEN_SHAPE.test(token)) {
    say(
      ui.status,
      'A bearer token is one word of printable ASCII characters; check what was pasted.',
      'error',
    );
    return;
  }
  useToken(token);
});

ui.forgetToken.addEventListener('click', () => {
  ui.token.value = '';
  useToken('');
});

ui.refreshNow.addEventListener('click', () => {
  if (state.refused) say(ui.status, 'The token was refused; enter a valid token first.', 'error');
  else void refresh();
});

ui.bannerDismiss.addEventListener('click', () => {
  state.follow = null;
  ui.banner.hidden = true;
});

for (const status of STATUSES)
  ui.filterStatus.append(element('option', { text: status, attrs: { value: status } }));
ui.filters.addEventListener('submit', (event) => event.preventDefault());
ui.filterJob.addEventListener('change', () => void reloadHistory());
ui.filterStatus.addEventListener('change', () => void reloadHistory());
ui.loadMore.addEventListener('click', () => void loadMore());

ui.runAll.addEventListener('change', () => {
  ui.runLimit.disabled = ui.runAll.checked;
});
ui.runCancel.addEventListener('click', () => ui.runDialog.close());
ui.runForm.addEventListener('submit', (event) => {
  const job = state.dialogJob;
  if (!job) return;
  const { body, error } = dialogBody(job);
  if (error) {
    event.preventDefault(); // keep the dialog open with the reason
    ui.runDialogError.textContent = error;
    ui.runLimit.focus();
    return;
  }
  void trigger(job, body);
});

ui.cancelDialog.addEventListener('close', () => {
  const run = state.cancelRun;
  state.cancelRun = null;
  if (run && ui.cancelDialog.returnValue === 'confirm') void cancel(run);
});

window.addEventListener('hashchange', () => {
  if (route()) void refresh();
});

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && state.token && !state.refused) void refresh();
});

ui.token.value = state.token;
route();
if (state.token) clearData('Loading…');
void refresh();
