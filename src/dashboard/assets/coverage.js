// The price history backfill's progress (GET /api/v1/prices/coverage): how many priced assets have their history,
// when the rest should be done, and the assets set aside with CoinGecko's error. A service without the route says
// so instead of failing. Every value reaches the page through textContent (dom.js).

import {
  completionInWords,
  coverageCounts,
  coverageHeadline,
  coveragePercent,
  setAsideRows,
} from './coverage-format.js';
import { element, fact, show, text, timeNode } from './dom.js';
import { ui } from './ui.js';

function setAsideList(rows) {
  if (rows.length === 0) return element('p', { className: 'help', text: 'No asset is set aside.' });
  return element(
    'ul',
    { className: 'alerts', attrs: { 'aria-labelledby': 'coverage-set-aside-heading' } },
    rows.map((row) =>
      element('li', {}, [
        element('code', { text: row.coingeckoId }),
        text(` · ${row.tries}`),
        ...(row.lastTriedAt ? [text(' · last '), timeNode(row.lastTriedAt)] : []),
        element('p', { className: 'error-line', text: row.error ?? 'no error recorded' }),
      ]),
    ),
  );
}

function coverageParts(coverage) {
  const percent = coveragePercent(coverage);
  const facts = element('dl', { className: 'facts' });
  for (const [term, value] of coverageCounts(coverage)) facts.append(...fact(term, text(value)));
  facts.append(...fact('Estimated completion', text(completionInWords(coverage))));
  const rows = setAsideRows(coverage);
  return [
    element('p', { className: 'coverage-headline' }, [
      element('strong', { text: coverageHeadline(coverage) }),
    ]),
    ...(percent === null
      ? []
      : [
          element('progress', {
            attrs: { max: 100, value: percent, 'aria-label': 'Priced assets with their history backfilled' },
          }),
        ]),
    facts,
    element('h3', { text: `Set aside (${rows.length})`, attrs: { id: 'coverage-set-aside-heading' } }),
    setAsideList(rows),
  ];
}

export function renderCoverage(answer) {
  if (answer.status === 404) {
    ui.coverageNote.textContent =
      'This service does not report history coverage (no /api/v1/prices/coverage).';
    ui.coverage.replaceChildren();
    delete ui.coverage.dataset.sig;
    return;
  }
  const coverage = answer.data;
  if (answer.status !== 200 || !coverage || typeof coverage !== 'object') {
    ui.coverageNote.textContent = `Cannot load the history coverage (${answer.status}: ${answer.message}).`;
    return;
  }
  ui.coverageNote.textContent = '';
  // The estimate's "in N minutes" moves with the clock: the minute is part of what is shown.
  show(ui.coverage, [coverage, Math.floor(Date.now() / 60_000)], () => coverageParts(coverage));
}
