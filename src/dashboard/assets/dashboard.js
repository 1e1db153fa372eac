/* global window, location -- browser globals beyond those eslint.config.mjs lists */
// The jobs dashboard's entry: the refresh loop and the page's wiring. The views are the modules it imports
// (native ES modules, served as they are): api.js (the client and the token), jobs.js (the overview),
// runs.js and run-detail.js, assets.js (search, price chart), coverage.js (history backfill progress),
// actions.js (Run now, Cancel), service.js (alerts, usage), flags.js (price flags), charts.js, and the
// shared format.js and dom.js. Every value from the API reaches the page through textContent or SVG
// attributes, never as HTML. Jobs, their trigger routes and limits come from GET /api/v1/jobs.

import { cancel, dialogBody, followRun, trigger } from './actions.js';
import { clearAssets, refreshAsset, routeAsset, wireAssets } from './assets.js';
import { renderCoverage } from './coverage.js';
import { flagsQuery, renderFlags, wireFlags } from './flags.js';
import { TOKEN_SHAPE, call, loadToken, optional, saveToken } from './api.js';
import { element, say, show } from './dom.js';
import { ACTIVE, STATUSES, utc } from './format.js';
import { renderCharts, renderJobs } from './jobs.js';
import { refreshDetail, routeRun } from './run-detail.js';
import { historyQuery, loadMore, mergeFirstPage, reloadHistory, renderHistory, renderQueue } from './runs.js';
import { ALERTS_SHOWN, renderAlerts, renderUsage } from './service.js';
import { page, state } from './state.js';
import { ui } from './ui.js';

const REFRESH_MS = 10_000;
/** While a run is in progress its progress and end are worth seeing sooner. */
const BUSY_REFRESH_MS = 2_000;

function clearData(message) {
  state.panels.clear();
  state.charts.clear();
  state.historyRows.clear();
  state.history = { items: [], cursor: null, extra: false };
  state.flags = { items: [], cursor: null, extra: false };
  state.jobs = [];
  ui.jobs.replaceChildren(element('p', { text: message, className: 'placeholder' }));
  ui.runsBody.replaceChildren();
  ui.loadMore.hidden = true;
  ui.queue.replaceChildren();
  ui.alerts.replaceChildren();
  ui.usage.replaceChildren();
  ui.coverage.replaceChildren();
  ui.flagsBody.replaceChildren();
  ui.flagsMore.hidden = true;
  ui.flagsNote.textContent = '';
  ui.runDetail.replaceChildren();
  // Emptied by hand: the next answer must render even if it equals the last one shown.
  for (const node of [ui.alerts, ui.usage, ui.coverage, ui.flagsBody, ui.runDetail]) delete node.dataset.sig;
  ui.refreshed.textContent = '';
  clearAssets();
}

/** Shows the view the hash names (the jobs, a run or an asset); true when what it shows changed. */
function route() {
  const runChanged = routeRun(location.hash);
  const assetChanged = routeAsset(location.hash);
  ui.viewMain.hidden = Boolean(state.detailId || state.assetId);
  return runChanged || assetChanged;
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
  const flagsPage = flagsQuery();
  const [jobs, history, queued, alerts, usage, coverage, flags] = await Promise.all([
    call('/jobs'),
    call(pageQuery),
    call('/jobs/runs?status=queued&limit=50'),
    optional('alerts', `/alerts?limit=${ALERTS_SHOWN}`),
    optional('usage', '/coingecko/usage'),
    optional('coverage', '/prices/coverage'),
    optional('flags', flagsPage),
  ]);
  if (generation !== state.generation) return;
  // A 200 that is not the API's JSON (a proxy's page, say) is a failure too.
  const failure = [jobs, history].find((answer) => answer.status !== 200 || answer.data === null);
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
  if (Array.isArray(history.data.items) && pageQuery === historyQuery()) mergeFirstPage(history.data);
  renderHistory();
  renderQueue(queued.status === 200 && Array.isArray(queued.data?.items) ? queued.data.items : []);
  renderAlerts(alerts);
  renderUsage(usage);
  renderCoverage(coverage);
  // The kind filter may have changed while this page was on its way: reloadFlags renders the newer one.
  if (flags.status !== 200 || !flags.data || flagsQuery() === flagsPage) renderFlags(flags);
  const [, following, detailActive] = await Promise.all([
    renderCharts(state.jobs),
    followRun(),
    refreshDetail(),
    refreshAsset(),
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

wireAssets();
wireFlags();
page.refresh = refresh;
page.refuse = refuse;
page.renderJobs = renderJobs;

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

state.token = loadToken();
ui.token.value = state.token;
route();
if (state.token) clearData('Loading…');
void refresh();
