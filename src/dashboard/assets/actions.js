// Acting on jobs: Run now (the limit asked within the job's bounds, then the banner follows the run to its
// end) and Cancel (confirmed first). A 403 turns the page read-only for this token.

import { call, describeRefusal } from './api.js';
import { say } from './dom.js';
import { countsInWords, formatDuration, number, progressOf } from './format.js';
import { page, state } from './state.js';
import { ui } from './ui.js';

export function openRunDialog(key) {
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
export function dialogBody(job) {
  if (!job.limit) return { body: {} };
  if (job.limit.nullable && ui.runAll.checked) return { body: { limit: null } };
  const value = ui.runLimit.value.trim();
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < job.limit.min || limit > job.limit.max) {
    return { error: `The limit must be an integer from ${job.limit.min} to ${job.limit.max}.` };
  }
  return { body: { limit } };
}

export function banner(message, tone, { runId, progress } = {}) {
  ui.banner.hidden = false;
  ui.banner.dataset.tone = tone;
  ui.bannerText.textContent = message;
  ui.bannerLink.hidden = !runId;
  if (runId) ui.bannerLink.href = `#/runs/${runId}`;
  ui.bannerProgress.hidden = !progress || progress.percent === null;
  if (progress && progress.percent !== null) ui.bannerProgress.value = progress.percent;
}

export async function trigger(job, body) {
  const token = state.token;
  if (!token || state.refused) {
    banner('Enter a valid token first.', 'error');
    return;
  }
  state.triggering.add(job.key);
  page.renderJobs(state.jobs);
  banner(`Starting ${job.key}…`, 'info');
  const answer = await call(`${job.trigger_path}?wait=false`, { method: 'POST', body });
  state.triggering.delete(job.key);
  if (token !== state.token) return; // the operator switched tokens meanwhile: this answer is stale
  if (answer.status === 202 && answer.data?.run_id) {
    state.follow = { runId: answer.data.run_id, job: job.key };
    banner(`${job.key}: run ${answer.data.run_id} started.`, 'info', { runId: answer.data.run_id });
  } else {
    if (answer.status === 401) return page.refuse(answer);
    if (answer.status === 403) state.readOnly = true;
    page.renderJobs(state.jobs);
    const [message, tone] = describeRefusal(`${job.key} not started`, answer);
    banner(message, tone);
  }
  await page.refresh();
}

/** The banner follows the started run to its end; true while it has not ended. */
export async function followRun() {
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

export function openCancelDialog(run) {
  state.cancelRun = run;
  ui.cancelDialogText.textContent = `Run ${run.run_id} of ${run.job_key} (${run.status}) stops between batches within one heartbeat; what it wrote so far stays.`;
  ui.cancelDialog.returnValue = '';
  ui.cancelDialog.showModal();
}

export async function cancel(run) {
  const answer = await call(`/jobs/runs/${run.run_id}/cancel`, { method: 'POST' });
  const target = state.detailId === run.run_id ? ui.runMessage : null;
  let message;
  let tone;
  if (answer.status === 202)
    [message, tone] = [`Cancel requested for run ${run.run_id}; it stops within one heartbeat.`, 'warning'];
  else [message, tone] = describeRefusal('Not cancelled', answer);
  if (answer.status === 403) state.readOnly = true;
  if (target) say(target, message, tone);
  else banner(message, tone, { runId: run.run_id });
  if (answer.status === 401) return page.refuse(answer);
  await page.refresh();
}
