// What the service reports beside its jobs: recent alerts and the CoinGecko usage. A service without one of
// these routes says so instead of failing.

import { element, show, text, timeNode } from './dom.js';
import { RUN_ID, number, parseTime, utc } from './format.js';
import { ui } from './ui.js';

export const ALERTS_SHOWN = 10;

export function renderAlerts(answer) {
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
        text(' '),
        element('code', { text: alert.job ?? '?' }),
        text(' · '),
        timeNode(alert.at),
        text(' · '),
        element('span', {
          className: `delivery delivery-${alert.delivery}`,
          text: `delivery: ${alert.delivery ?? '?'}${alert.last_error ? ` (${alert.last_error})` : ''}`,
        }),
        ...(alert.run_id && RUN_ID.test(alert.run_id)
          ? [text(' · '), element('a', { text: 'run', attrs: { href: `#/runs/${alert.run_id}` } })]
          : []),
        ...(alert.error ? [element('p', { className: 'error-line', text: alert.error })] : []),
        // An anomaly has no error; its headline (kind, count, asset, point) is what the operator needs.
        ...(alert.event === 'price_anomaly' && typeof alert.text === 'string'
          ? [
              element('p', {
                className: 'alert-text',
                text: alert.text.split('\n')[0].replace(/^:\w+: /, ''),
              }),
            ]
          : []),
      ]),
    ),
  );
}

/** `by_job` / `by_endpoint` as an object of counts or as a list of `{job|endpoint|key, calls}`. */
export function usageEntries(value) {
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
              element('li', {}, [element('code', { text: key }), text(` ${number(calls)}`)]),
            ),
        )
      : element('p', { className: 'help', text: 'none' }),
  ]);
}

function usageParts(usage) {
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
      text(
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
}

export function renderUsage(answer) {
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
  show(ui.usage, usage, () => usageParts(usage));
}
