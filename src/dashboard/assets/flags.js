// The price flags (GET /api/v1/prices/flags): the newest flagged points, filterable by kind, paged with the API's
// cursor. A service without the route says so instead of failing. Every value reaches the page through textContent.

/* global URLSearchParams -- a browser global beyond those eslint.config.mjs lists */

import { call } from './api.js';
import { element, say, show, text, timeNode } from './dom.js';
import { FLAG_KINDS, flagDetail } from './flags-format.js';
import { state } from './state.js';
import { ui } from './ui.js';

const FLAGS_PAGE = 20;
const COLUMNS = ['Asset', 'Time (UTC)', 'Source', 'Kind', 'Detail'];

export function flagsQuery(cursor) {
  const params = new URLSearchParams({ limit: String(FLAGS_PAGE) });
  if (ui.flagKind.value) params.set('kind', ui.flagKind.value);
  if (cursor) params.set('cursor', cursor);
  return `/prices/flags?${params}`;
}

const flagKey = (flag) => `${flag.asset_id}|${flag.timestamp}|${flag.source}|${flag.kind}`;

function flagRow(flag) {
  const asset = flag.asset_id
    ? element('a', {
        text: flag.symbol ?? flag.coingecko_id ?? flag.asset_id,
        attrs: { href: `#/assets/${flag.asset_id}` },
      })
    : text(String(flag.symbol ?? '?'));
  const kind = FLAG_KINDS.includes(flag.kind) ? flag.kind : 'unknown';
  const cells = [
    asset,
    timeNode(flag.timestamp),
    element('code', { text: flag.source ?? '?' }),
    element('span', { className: `badge flag-${kind}`, text: String(flag.kind ?? '?') }),
    text(flagDetail(flag)),
  ];
  return element(
    'tr',
    {},
    cells.map((cell, index) => element('td', { attrs: { 'data-label': COLUMNS[index] } }, [cell])),
  );
}

function renderList() {
  const { items, cursor } = state.flags;
  const empty = ui.flagKind.value ? `No ${ui.flagKind.value} flags.` : 'No price is flagged.';
  // Rebuilt only when the flags changed: a focused asset link survives the refresh.
  show(ui.flagsBody, [items, items.length ? Math.floor(Date.now() / 30_000) : empty], () =>
    items.length
      ? items.map(flagRow)
      : element('tr', {}, [element('td', { text: empty, className: 'placeholder', attrs: { colspan: 5 } })]),
  );
  ui.flagsMore.hidden = !cursor;
}

/** The refresh's first page: replaces what is shown unless more pages were loaded, which then stay. */
export function renderFlags(answer) {
  if (answer.status === 404) {
    ui.flagsNote.textContent = 'This service does not report price flags (no /api/v1/prices/flags).';
    ui.flagsTable.hidden = true;
    ui.flagsMore.hidden = true;
    return;
  }
  const items = Array.isArray(answer.data?.items) ? answer.data.items : null;
  if (answer.status !== 200 || !items) {
    ui.flagsNote.textContent = `Cannot load the price flags (${answer.status}: ${answer.message}).`;
    return;
  }
  ui.flagsNote.textContent = '';
  ui.flagsTable.hidden = false;
  if (!state.flags.extra) state.flags = { items, cursor: answer.data.next_cursor ?? null, extra: false };
  else {
    const fresh = new Set(items.map(flagKey));
    state.flags.items = [...items, ...state.flags.items.filter((flag) => !fresh.has(flagKey(flag)))];
  }
  renderList();
}

export async function reloadFlags() {
  state.flags = { items: [], cursor: null, extra: false };
  renderFlags(await call(flagsQuery()));
}

export async function moreFlags() {
  const { cursor } = state.flags;
  if (!cursor) return;
  ui.flagsMore.disabled = true;
  const answer = await call(flagsQuery(cursor));
  ui.flagsMore.disabled = false;
  if (answer.status !== 200 || !Array.isArray(answer.data?.items)) {
    say(ui.flagsNote, `Cannot load more flags (${answer.status}: ${answer.message}).`, 'error');
    return;
  }
  const shown = new Set(state.flags.items.map(flagKey));
  state.flags.items.push(...answer.data.items.filter((flag) => !shown.has(flagKey(flag))));
  state.flags.cursor = answer.data.next_cursor ?? null;
  state.flags.extra = true;
  renderList();
}

export function wireFlags() {
  for (const kind of FLAG_KINDS)
    ui.flagKind.append(element('option', { text: kind, attrs: { value: kind } }));
  ui.flagFilters.addEventListener('submit', (event) => event.preventDefault());
  ui.flagKind.addEventListener('change', () => void reloadFlags());
  ui.flagsMore.addEventListener('click', () => void moreFlags());
}
