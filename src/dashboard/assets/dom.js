// Building the page: every value from the API reaches it through textContent or SVG attributes, never as HTML.
// Nothing here runs at import, so the modules built on it load outside a browser too.

import { DASH, HEALTH_STATES, STATUSES, parseTime, progressOf, relative, utc } from './format.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

export function element(tag, { text, className, title, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  if (title) node.title = title;
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

export function svg(tag, attrs = {}, children = []) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

export const text = (value) => document.createTextNode(value);

/** Replaces `node`'s content only when what it shows changed: a focused control inside survives a refresh. */
export function show(node, signature, build) {
  const sig = typeof signature === 'string' ? signature : JSON.stringify(signature);
  if (node.dataset.sig === sig) return;
  node.dataset.sig = sig;
  const content = build();
  node.replaceChildren(...(Array.isArray(content) ? content : [content]));
}

export function say(target, message, tone = 'info') {
  target.textContent = message;
  target.dataset.tone = tone;
}

/** A UTC time with how long ago (or until) it is; the reader's local time in the tooltip. */
export function timeNode(iso, { ageFirst = false } = {}) {
  const date = parseTime(iso);
  if (!date) return text(typeof iso === 'string' ? iso : DASH);
  const parts = [
    element('span', { text: utc(date) }),
    element('span', { className: 'relative', text: relative(date) }),
  ];
  if (ageFirst) parts.reverse();
  return element('time', { attrs: { datetime: iso }, title: `${date.toLocaleString()} (local time)` }, parts);
}

export function progressNode(run, label) {
  const progress = progressOf(run);
  if (!progress) return text(run?.status === 'running' ? 'starting…' : DASH);
  const bar = element('progress', { attrs: { max: 100, 'aria-label': label } });
  if (progress.percent !== null) bar.value = progress.percent; // indeterminate without a total
  return element('span', { className: 'progress' }, [bar, element('span', { text: progress.text })]);
}

export function statusBadge(status) {
  const known = STATUSES.includes(status);
  return element('span', {
    text: status ?? 'unknown',
    className: `badge status-${known ? status : 'unknown'}`,
  });
}

export function healthBadge(health) {
  const stateName = HEALTH_STATES.has(health?.state) ? health.state : 'unknown';
  const streak =
    stateName === 'failing' && health.consecutive_failures > 0
      ? ` · ${health.consecutive_failures} in a row`
      : '';
  return element('span', { text: `${stateName}${streak}`, className: `badge health-${stateName}` });
}

export function runLink(run, label) {
  return element('a', {
    text: label ?? run.job_name ?? run.job_key,
    attrs: { href: `#/runs/${run.run_id}` },
  });
}

export function fact(term, slot) {
  return [element('dt', { text: term }), element('dd', {}, [slot])];
}
