// The run history (filterable by job and status, paged with the API's cursor) and the queued runs.

/* global URLSearchParams -- a browser global beyond those eslint.config.mjs lists */

import { call } from './api.js';
import { element, progressNode, runLink, say, show, statusBadge, text, timeNode } from './dom.js';
import { DASH, formatCounts, formatDuration, runDuration } from './format.js';
import { state } from './state.js';
import { ui } from './ui.js';

const HISTORY_PAGE = 25;

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

export function renderQueue(queued) {
  const ordered = [...queued].sort((a, b) =>
    String(a.queued_at ?? a.started_at).localeCompare(String(b.queued_at ?? b.started_at)),
  );
  ui.queueEmpty.hidden = ordered.length > 0;
  ui.queue.replaceChildren(
    ...ordered.map((run, index) =>
      element('li', {}, [
        element('span', { className: 'badge status-queued', text: `#${run.queue_position ?? index + 1}` }),
        text(' '),
        runLink(run),
        text(' · queued '),
        timeNode(run.queued_at ?? run.started_at),
      ]),
    ),
  );
}

export function historyQuery(cursor) {
  const params = new URLSearchParams({ limit: String(HISTORY_PAGE) });
  if (ui.filterJob.value) params.set('job', ui.filterJob.value);
  if (ui.filterStatus.value) params.set('status', ui.filterStatus.value);
  if (cursor) params.set('cursor', cursor);
  return `/jobs/runs?${params}`;
}

/** First line, for a table cell; the whole text behind an expander (keyboard-operable: <details>). */
function errorNode(runId, error) {
  if (!error) return text(DASH);
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
  show(cells[2], run.trigger ?? '', () => text(String(run.trigger ?? DASH)));
  show(cells[3], [run.started_at, Math.floor(Date.now() / 30_000)], () => timeNode(run.started_at));
  show(cells[4], [run.duration_ms, run.status, run.status === 'running' && Date.now()], () =>
    text(formatDuration(runDuration(run))),
  );
  show(cells[5], [run.status, run.progress], () => progressNode(run, `Progress of run ${run.run_id}`));
  show(cells[6], run.metrics ?? null, () => text(formatCounts(run.metrics)));
  show(cells[7], run.error ?? '', () => errorNode(run.run_id, run.error));
  return row.tr;
}

export function renderHistory() {
  const { items } = state.history;
  if (items.length === 0) {
    state.historyRows.clear();
    const message =
      ui.filterJob.value || ui.filterStatus.value ? 'No runs match these filters.' : 'No runs yet.';
    ui.runsBody.replaceChildren(
      element('tr', {}, [element('td', { text: message, className: 'placeholder', attrs: { colspan: 8 } })]),
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
export function mergeFirstPage(page) {
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

export async function reloadHistory() {
  state.history = { items: [], cursor: null, extra: false };
  state.historyRows.clear();
  ui.runsBody.replaceChildren();
  const answer = await call(historyQuery());
  if (answer.status === 200 && Array.isArray(answer.data?.items)) mergeFirstPage(answer.data);
  else say(ui.status, `Cannot load the run history (${answer.status}: ${answer.message}).`, 'error');
  renderHistory();
}

export async function loadMore() {
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
