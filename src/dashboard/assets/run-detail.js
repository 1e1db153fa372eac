// The run detail at #/runs/<id> (a link an alert's run_url can carry): every field of the run, its custom
// metrics, the full error, Cancel while it is active, and the chart of its job's last runs.

/* global Node -- a browser global beyond those eslint.config.mjs lists */

import { openCancelDialog } from './actions.js';
import { call } from './api.js';
import { CHART_RUNS, chartNode } from './charts.js';
import { element, fact, progressNode, say, show, statusBadge, text, timeNode } from './dom.js';
import { ACTIVE, DASH, RUN_ID, formatDuration, number, runDuration } from './format.js';
import { refreshChart } from './jobs.js';
import { state } from './state.js';
import { ui } from './ui.js';

/** Shows the run view when the hash names a run; true when the run shown changed. */
export function routeRun(hash) {
  const match = /^#\/runs\/([^/]+)$/.exec(hash);
  const id = match && RUN_ID.test(match[1]) ? match[1].toLowerCase() : null;
  const changed = id !== state.detailId;
  state.detailId = id;
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
    dl.append(...fact(term, content instanceof Node ? content : text(String(content))));
  add('Status', statusBadge(run.status));
  add('Job', element('code', { text: run.job_key }));
  add('Label', run.job_name ?? DASH);
  add('Trigger', run.trigger ?? DASH);
  add('Slot (UTC)', run.scheduled_for ? timeNode(run.scheduled_for) : 'none (not a scheduled run)');
  add('Parameters', element('code', { text: JSON.stringify(run.params ?? {}) }));
  add('Attempts', run.attempts ?? DASH);
  add('Owner', element('code', { text: run.owner ?? DASH }));
  // Only a run that waited for a JOBS_MAX_CONCURRENT slot has one.
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

function detailParts(run, active, chartRuns) {
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
}

/** Loads and shows the run at #/runs/<id>; true while it is active (the page then refreshes sooner). */
export async function refreshDetail() {
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
    () => detailParts(run, active, chartRuns),
  );
  return active;
}
