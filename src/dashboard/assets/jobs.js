// The jobs overview: one panel per registered job (from GET /api/v1/jobs, nothing hard-coded), kept across
// refreshes, with its health, schedule, last run, progress, Run now / Cancel and the chart of its last runs.

import { openCancelDialog, openRunDialog } from './actions.js';
import { API, call } from './api.js';
import { CHART_RUNS, chartNode } from './charts.js';
import {
  element,
  fact,
  healthBadge,
  progressNode,
  runLink,
  show,
  statusBadge,
  text,
  timeNode,
} from './dom.js';
import {
  ACTIVE,
  DASH,
  countsInWords,
  formatCounts,
  formatDuration,
  number,
  relative,
  runDuration,
  scheduleInWords,
} from './format.js';
import { reloadHistory } from './runs.js';
import { state } from './state.js';
import { byId, ui } from './ui.js';

/** The job's last 50 runs, fetched again only when its latest run changed. */
export async function refreshChart(job) {
  const signature = `${job.last_run?.run_id ?? ''}:${job.last_run?.status ?? ''}`;
  const cached = state.charts.get(job.key);
  if (cached && cached.signature === signature) return cached.runs;
  const answer = await call(`/jobs/runs?job=${encodeURIComponent(job.key)}&limit=${CHART_RUNS + 5}`);
  if (answer.status !== 200 || !Array.isArray(answer.data?.items)) return cached?.runs ?? [];
  state.charts.set(job.key, { signature, runs: answer.data.items });
  return answer.data.items;
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

function fillPanel(panel, job) {
  const { slots } = panel;
  const last = job.last_run;
  const health = job.health;
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
    health?.last_success_at ? timeNode(health.last_success_at, { ageFirst: true }) : text('never'),
  );
  show(slots.next, [job.enabled, job.next_run_at], () =>
    job.enabled ? timeNode(job.next_run_at) : text('disabled'),
  );
  show(slots.schedule, job.schedule, () => [
    text(`${scheduleInWords(job.schedule)} `),
    element('code', { text: job.schedule }),
  ]);
  show(slots.enabled, job.enabled, () => text(job.enabled ? 'yes' : 'no'));
  show(
    slots.last,
    last ? [last.run_id, last.status, last.duration_ms, ACTIVE.has(last.status) && Date.now()] : 'never',
    () =>
      last
        ? [
            statusBadge(last.status),
            text(' '),
            runLink(last, 'details'),
            text(` · ${formatDuration(runDuration(last))}`),
          ]
        : text('never run'),
  );
  show(slots.counts, last?.metrics ?? null, () => text(formatCounts(last?.metrics)));
  show(slots.calls, [job.calls_per_run, job.projected_monthly_calls], () =>
    text(
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
}

export function renderJobs(jobs) {
  if (jobs.length === 0) {
    state.panels.clear();
    ui.jobs.replaceChildren(element('p', { text: 'No jobs are registered.', className: 'placeholder' }));
    return;
  }
  const shown = new Set();
  jobs.forEach((job, index) => {
    const panel = jobPanel(job);
    shown.add(job.key);
    fillPanel(panel, job);
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

export async function renderCharts(jobs) {
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
