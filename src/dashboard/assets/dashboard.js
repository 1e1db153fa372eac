// The jobs dashboard: reads /api/v1 with the bearer token the operator enters and renders it.
// The token lives in this tab's sessionStorage only (gone with the tab) and travels only in the
// Authorization header. Every value from the API reaches the page through textContent, never as HTML.

const API = '/api/v1';
const TOKEN_KEY = 'cpb.dashboard.token';
const REFRESH_MS = 10_000;
/** While a run is in progress its progress and end are worth seeing sooner. */
const BUSY_REFRESH_MS = 2_000;
const RUNS_SHOWN = 50;
/** Job key → its trigger route (`POST /api/v1/jobs/<route>`); a job missing here gets no Run now button. */
const TRIGGER_ROUTES = new Map([
  ['top_coins_collection', 'collect-top-coins'],
  ['price_collection', 'collect-prices'],
  ['contract_addresses_collection', 'collect-contract-addresses'],
]);
const STATUSES = new Set(['running', 'succeeded', 'failed', 'abandoned', 'skipped']);
/** RFC 6750 token characters are a subset of this; anything else (a pasted newline, a space) is a typo. */
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;
const JOB_COLUMNS = 10;
const RUN_COLUMNS = 8;

const byId = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`dashboard markup lacks #${id}`);
  return element;
};

const ui = {
  form: byId('token-form'),
  token: byId('token'),
  forget: byId('forget-token'),
  status: byId('status'),
  action: byId('action-message'),
  jobs: byId('jobs-body'),
  runs: byId('runs-body'),
  refreshed: byId('refreshed'),
  refreshNow: byId('refresh-now'),
};

const state = {
  token: loadToken(),
  /** The service refused the token (401): stop asking until the operator enters another. */
  refused: false,
  /** A trigger answered 403: this token may read but not run jobs. */
  readOnly: false,
  /** Bumped by every refresh and token change, so that a late answer never paints over a newer one. */
  generation: 0,
  timer: undefined,
  /** Job key → its row, kept across refreshes so a focused Run now button is not replaced under the user. */
  jobRows: new Map(),
  triggering: new Set(),
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

/** One call to the API; never throws: `status` 0 means the service could not be reached. */
async function call(path, { method = 'GET', body } = {}) {
  let response;
  try {
    const headers = new Headers({ Accept: 'application/json', Authorization: `Bearer ${state.token}` });
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    response = await fetch(`${API}${path}`, {
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

// --- rendering helpers ----------------------------------------------------------------------------

function element(tag, { text, className, title, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  if (title) node.title = title;
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const DASH = '—';
const pad = (n) => String(n).padStart(2, '0');
const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

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

/** A UTC time with how long ago (or until) it is; the reader's local time in the tooltip. */
function timeNode(iso) {
  if (typeof iso !== 'string') return document.createTextNode(DASH);
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return document.createTextNode(iso);
  return element('time', { attrs: { datetime: iso }, title: `${date.toLocaleString()} (local time)` }, [
    element('span', { text: utc(date) }),
    element('span', { className: 'relative', text: relative(date) }),
  ]);
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

function formatCounts(metrics) {
  if (!metrics) return DASH;
  const counts = [
    metrics.items_processed,
    metrics.items_created,
    metrics.items_updated,
    metrics.items_skipped,
  ];
  return counts.map((n) => (typeof n === 'number' ? n.toLocaleString('en') : '?')).join(' / ');
}

function formatProgress(run) {
  if (run.status !== 'running' || !run.progress) return DASH;
  const { done, total } = run.progress;
  return typeof total === 'number' ? `${done}/${total}` : `${done}/?`;
}

function statusBadge(status) {
  const known = STATUSES.has(status);
  return element('span', {
    text: status ?? 'unknown',
    className: `badge status-${known ? status : 'unknown'}`,
  });
}

function cell(content, className) {
  return element('td', { className }, [content]);
}

function placeholderRow(columns, text) {
  return element('tr', {}, [
    element('td', { text, className: 'placeholder', attrs: { colspan: String(columns) } }),
  ]);
}

// --- messages -------------------------------------------------------------------------------------

function say(target, text, tone = 'info') {
  target.textContent = text;
  target.dataset.tone = tone;
}

function clearTables(text) {
  state.jobRows.clear();
  ui.jobs.replaceChildren(placeholderRow(JOB_COLUMNS, text));
  ui.runs.replaceChildren(placeholderRow(RUN_COLUMNS, text));
  ui.refreshed.textContent = '';
}

function askForToken() {
  say(ui.status, 'Enter a bearer token to load the jobs.', 'info');
  clearTables('No data yet: enter a token above.');
}

function describeReadFailure(answer) {
  switch (answer.status) {
    case 0:
      return `Cannot load the jobs: ${answer.message}. Retrying.`;
    case 401:
      return `The service refused this token (401: ${answer.message}). Enter a valid token.`;
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

// --- jobs table -----------------------------------------------------------------------------------

const JOB_CELLS = ['enabled', 'schedule', 'next', 'status', 'started', 'duration', 'counts', 'error'];

/** One row per job, built once and then updated in place. */
function jobRow(key) {
  const existing = state.jobRows.get(key);
  if (existing) return existing;
  const cells = Object.fromEntries(JOB_CELLS.map((name) => [name, element('td')]));
  cells.duration.className = 'numbers';
  cells.counts.className = 'numbers';
  cells.error.className = 'error-text';
  const actions = element('td');
  const route = TRIGGER_ROUTES.get(key);
  let button;
  if (route) {
    button = element('button', {
      text: 'Run now',
      attrs: { type: 'button', 'aria-label': `Run ${key} now` },
    });
    button.addEventListener('click', () => void trigger(key, route));
    actions.append(button);
  } else {
    actions.append(element('span', { text: 'no trigger route', className: 'placeholder' }));
  }
  const header = element('th', { attrs: { scope: 'row' } }, [element('code', { text: key })]);
  const tr = element('tr', {}, [header, ...JOB_CELLS.map((name) => cells[name]), actions]);
  tr.dataset.job = key;
  const row = { tr, cells, button };
  state.jobRows.set(key, row);
  return row;
}

function renderJobs(jobs) {
  if (!Array.isArray(jobs) || jobs.length === 0) {
    state.jobRows.clear();
    ui.jobs.replaceChildren(placeholderRow(JOB_COLUMNS, 'No jobs are registered.'));
    return;
  }
  const shown = new Set();
  jobs.forEach((job, index) => {
    const row = jobRow(job.key);
    const last = job.last_run;
    const { cells } = row;
    shown.add(job.key);
    cells.enabled.replaceChildren(job.enabled ? 'yes' : 'no');
    cells.schedule.replaceChildren(element('code', { text: job.schedule }));
    cells.next.replaceChildren(job.enabled ? timeNode(job.next_run_at) : 'disabled');
    cells.status.replaceChildren(last ? statusBadge(last.status) : 'never run');
    cells.started.replaceChildren(last ? timeNode(last.started_at) : DASH);
    cells.duration.replaceChildren(last ? formatDuration(last.duration_ms) : DASH);
    cells.counts.replaceChildren(last ? formatCounts(last.metrics) : DASH);
    cells.error.replaceChildren(last?.error || DASH);
    updateButton(row, job.key);
    // Moving a row would blur a focused button in it: insert only when it is not already in place.
    if (ui.jobs.children[index] !== row.tr) ui.jobs.insertBefore(row.tr, ui.jobs.children[index] ?? null);
  });
  for (const [key, row] of state.jobRows) {
    if (shown.has(key)) continue;
    row.tr.remove();
    state.jobRows.delete(key);
  }
  for (const child of [...ui.jobs.children]) if (!child.dataset.job) child.remove(); // the placeholder
}

function updateButton(row, key) {
  if (!row.button) return;
  row.button.disabled = state.readOnly || state.triggering.has(key);
  row.button.title = state.readOnly ? 'This token lacks the admin role' : '';
}

function updateButtons() {
  for (const [key, row] of state.jobRows) updateButton(row, key);
}

// --- runs table -----------------------------------------------------------------------------------

function renderRuns(runs) {
  if (!Array.isArray(runs) || runs.length === 0) {
    ui.runs.replaceChildren(placeholderRow(RUN_COLUMNS, 'No runs yet.'));
    return;
  }
  ui.runs.replaceChildren(
    ...runs.map((run) => {
      const tr = element('tr', {}, [
        cell(statusBadge(run.status)),
        cell(String(run.trigger ?? DASH)),
        cell(element('span', { text: run.job_name ?? run.job_key, title: `run ${run.run_id}` })),
        cell(timeNode(run.started_at)),
        cell(formatDuration(run.duration_ms), 'numbers'),
        cell(formatProgress(run), 'numbers'),
        cell(formatCounts(run.metrics), 'numbers'),
        cell(run.error || DASH, 'error-text'),
      ]);
      tr.dataset.runId = String(run.run_id);
      tr.dataset.status = String(run.status);
      return tr;
    }),
  );
}

// --- refresh loop ---------------------------------------------------------------------------------

function schedule(delay) {
  clearTimeout(state.timer);
  // A hidden tab waits: it refreshes as soon as it is shown again (see visibilitychange below).
  state.timer = setTimeout(() => (document.hidden ? schedule(delay) : void refresh()), delay);
}

async function refresh() {
  clearTimeout(state.timer);
  const generation = ++state.generation;
  if (!state.token) {
    askForToken();
    return;
  }
  const [jobs, runs] = await Promise.all([call('/jobs'), call(`/jobs/runs?limit=${RUNS_SHOWN}`)]);
  if (generation !== state.generation) return;
  // A 200 that is not the API's JSON (a proxy's page, say) is a failure too.
  const failure = [jobs, runs].find((answer) => answer.status !== 200 || answer.data === null);
  if (failure) {
    say(ui.status, describeReadFailure(failure), 'error');
    if (failure.status === 401) {
      state.refused = true;
      clearTables('No data: the token was refused.');
      return; // no point asking again with the same token
    }
    schedule(REFRESH_MS);
    return;
  }
  const jobList = Array.isArray(jobs.data) ? jobs.data : [];
  const runList = Array.isArray(runs.data.items) ? runs.data.items : [];
  renderJobs(jobList);
  renderRuns(runList);
  say(ui.status, '', 'info');
  ui.refreshed.textContent = `Last refreshed ${utc(new Date())} UTC.`;
  const busy =
    runList.some((run) => run.status === 'running') ||
    jobList.some((job) => job.last_run?.status === 'running');
  schedule(busy ? BUSY_REFRESH_MS : REFRESH_MS);
}

// --- Run now --------------------------------------------------------------------------------------

function describeTrigger(key, answer) {
  switch (answer.status) {
    case 202:
      return [`Started ${key}: run ${answer.data?.run_id ?? '?'}.`, 'success'];
    case 409:
      return [`Not started: ${answer.message}.`, 'warning'];
    case 403:
      return [`Not started: this token may not run jobs (403: ${answer.message}).`, 'error'];
    case 429:
      return [`Not started: too many triggers (429: ${answer.message}).`, 'warning'];
    case 503:
      return [`Not started: the service is unavailable (503: ${answer.message}).`, 'error'];
    case 401:
      return [
        `Not started: the service refused this token (401: ${answer.message}). Enter a valid token.`,
        'error',
      ];
    case 0:
      return [`Not started: ${answer.message}.`, 'error'];
    default:
      return [`Not started (${answer.status}: ${answer.message}).`, 'error'];
  }
}

async function trigger(key, route) {
  const token = state.token;
  if (!token || state.refused) {
    say(ui.action, 'Enter a valid token first.', 'error');
    return;
  }
  state.triggering.add(key);
  updateButtons();
  say(ui.action, `Starting ${key}…`, 'info');
  // An empty body: the job's configured limit, as a scheduled run uses.
  const answer = await call(`/jobs/${route}?wait=false`, { method: 'POST', body: {} });
  state.triggering.delete(key);
  if (token !== state.token) return; // the operator switched tokens meanwhile: this answer is stale
  const [text, tone] = describeTrigger(key, answer);
  say(ui.action, text, tone);
  if (answer.status === 401) {
    state.refused = true;
    say(ui.status, describeReadFailure(answer), 'error');
    clearTables('No data: the token was refused.');
    return;
  }
  if (answer.status === 403) state.readOnly = true;
  updateButtons();
  await refresh();
}

// --- wiring ---------------------------------------------------------------------------------------

function useToken(token) {
  state.token = token;
  state.refused = false;
  state.readOnly = false;
  saveToken(token);
  say(ui.action, '', 'info');
  clearTables(token ? 'Loading…' : 'No data yet: enter a token above.');
  void refresh();
}

ui.form.addEventListener('submit', (event) => {
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

ui.forget.addEventListener('click', () => {
  ui.token.value = '';
  useToken('');
});

ui.refreshNow.addEventListener('click', () => {
  if (state.refused) say(ui.status, 'The token was refused; enter a valid token first.', 'error');
  else void refresh();
});

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && state.token && !state.refused) void refresh();
});

ui.token.value = state.token;
if (state.token) clearTables('Loading…');
void refresh();
