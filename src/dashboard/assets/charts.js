// Charts as inline SVG built here: no library, nothing from another origin. Each chart has a sentence as its
// text alternative. The scaling is plain functions of the data (tested without a browser); the drawing
// below them turns their numbers into elements.

import { element, svg } from './dom.js';
import { ACTIVE, formatDuration, formatPrice, median, number, parseTime, utc } from './format.js';

/** How many finished runs a run chart shows. */
export const CHART_RUNS = 50;
const RUN_CHART = { width: 500, top: 56, gap: 14, bottom: 40 };

let chartCount = 0;

/** The runs a chart shows: the last 50 finished ones, oldest first (the API answers newest first). */
export function chartRuns(newestFirst) {
  return newestFirst
    .filter((run) => !ACTIVE.has(run.status))
    .slice(0, CHART_RUNS)
    .reverse();
}

/**
 * Where each run's two bars go: duration in the top band (at least 1 unit high), items processed in the
 * bottom one, each scaled to its largest value; the newest run on the right edge, fewer runs leave the
 * left empty.
 */
export function runBars(runs, { width, top, bottom } = RUN_CHART) {
  const slot = width / CHART_RUNS;
  const maxDuration = Math.max(1, ...runs.map((run) => run.duration_ms ?? 0));
  const maxItems = Math.max(1, ...runs.map((run) => run.metrics?.items_processed ?? 0));
  const bars = runs.map((run, index) => {
    const failed = run.status === 'failed' || run.status === 'abandoned';
    const duration = Math.max(1, ((run.duration_ms ?? 0) / maxDuration) * (top - 8));
    const items = ((run.metrics?.items_processed ?? 0) / maxItems) * bottom;
    return {
      run,
      x: (index + CHART_RUNS - runs.length) * slot + 1,
      width: slot - 2,
      duration,
      items,
      failed,
      tone: failed ? 'bar-failed' : run.status === 'succeeded' ? 'bar-ok' : 'bar-other',
    };
  });
  return { slot, maxDuration, maxItems, bars };
}

/** The words a chart stands for: what a screen reader reads, and a summary for everyone. */
export function chartSummary(runs) {
  if (runs.length === 0) return 'No finished runs yet.';
  const count = (status) => runs.filter((run) => run.status === status).length;
  const durations = runs.map((run) => run.duration_ms).filter((ms) => typeof ms === 'number');
  const items = runs.map((run) => run.metrics?.items_processed ?? 0);
  const others = runs.length - count('succeeded') - count('failed');
  return (
    `Last ${runs.length} finished runs: ${count('succeeded')} succeeded, ${count('failed')} failed` +
    `${others ? `, ${others} other` : ''}. Duration median ${formatDuration(median(durations))}, ` +
    `longest ${formatDuration(Math.max(0, ...durations))}. Items per run ${number(Math.min(...items))}` +
    `–${number(Math.max(...items))}, latest ${number(items.at(-1))}.`
  );
}

/**
 * Duration (top) and items processed (bottom) of each finished run, oldest on the left; failed runs are red
 * with a mark above them.
 */
export function chartNode(newestFirst, { highlight } = {}) {
  const runs = chartRuns(newestFirst);
  const id = `chart-${++chartCount}`;
  const { width, top, gap, bottom } = RUN_CHART;
  const height = top + gap + bottom + 4;
  const { maxDuration, maxItems, bars } = runBars(runs);
  const groups = bars.map(({ run, x, width: w, duration, items, failed, tone }) => {
    const label =
      `${run.status} run started ${parseTime(run.started_at) ? utc(new Date(run.started_at)) : '?'} UTC: ` +
      `${formatDuration(run.duration_ms)}, ${number(run.metrics?.items_processed ?? 0)} items`;
    const parts = [
      svg('title', {}, [label]),
      svg('rect', { x, y: top - duration, width: w, height: duration, class: `bar ${tone}` }),
      svg('rect', {
        x,
        y: top + gap + bottom - items,
        width: w,
        height: Math.max(items, 0.5),
        class: `bar items ${tone}`,
      }),
    ];
    if (failed) parts.push(svg('path', { d: `M${x} 2 l${w} 0 l${-w / 2} 5 z`, class: 'fail-mark' }));
    return svg('g', { 'data-run-id': run.run_id, class: run.run_id === highlight ? 'current' : '' }, parts);
  });
  const caption = element('figcaption', { text: chartSummary(runs), attrs: { id: `${id}-summary` } });
  const chart = svg(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-labelledby': `${id}-title ${id}-summary`,
      class: 'chart',
      'data-runs': runs.length,
      preserveAspectRatio: 'none',
    },
    [
      svg('title', { id: `${id}-title` }, ['Duration (top) and items processed (bottom) of the last runs']),
      svg('line', { x1: 0, y1: top, x2: width, y2: top, class: 'axis' }),
      svg('line', { x1: 0, y1: top + gap + bottom, x2: width, y2: top + gap + bottom, class: 'axis' }),
      ...groups,
    ],
  );
  return element('figure', { className: 'chart-figure' }, [
    element('div', { className: 'chart-legend', attrs: { 'aria-hidden': 'true' } }, [
      element('span', { text: `duration (max ${formatDuration(maxDuration)})` }),
      element('span', { text: `items (max ${number(maxItems)})` }),
    ]),
    chart,
    caption,
  ]);
}

const PRICE_CHART = { width: 500, height: 160, pad: 6 };
const round = (value) => Math.round(value * 100) / 100;

/**
 * Where a price series goes: time across the range asked for (so a gap stays a gap in time), price up the
 * chart between the lowest low and the highest high. `line` is the closes, `band` each bucket's low–high.
 * Points whose amounts are not numbers are left out; null when none is left.
 */
export function priceScale(points, range, { width, height, pad } = PRICE_CHART) {
  const rows = (points ?? [])
    .map((point) => ({
      t: Date.parse(point.t),
      open: Number(point.open),
      high: Number(point.high),
      low: Number(point.low),
      close: Number(point.close),
    }))
    .filter((row) => Object.values(row).every(Number.isFinite));
  if (rows.length === 0) return null;
  const start = Number.isFinite(Date.parse(range?.from)) ? Date.parse(range.from) : rows[0].t;
  const end = Number.isFinite(Date.parse(range?.to)) ? Date.parse(range.to) : rows.at(-1).t;
  const low = Math.min(...rows.map((row) => row.low));
  const high = Math.max(...rows.map((row) => row.high));
  let [min, max] = [low, high];
  if (max === min) {
    // A flat series is drawn across the middle rather than divided by a zero span.
    const margin = Math.abs(max) * 0.01 || 1;
    [min, max] = [min - margin, max + margin];
  }
  const x = (t) => round(((t - start) / Math.max(1, end - start)) * width);
  const y = (value) => round(pad + ((max - value) / (max - min)) * (height - 2 * pad));
  const line = rows.map((row, index) => `${index ? 'L' : 'M'}${x(row.t)} ${y(row.close)}`).join(' ');
  const highs = rows.map((row) => `${x(row.t)} ${y(row.high)}`);
  const lows = rows.map((row) => `${x(row.t)} ${y(row.low)}`).reverse();
  const band = `M${[...highs, ...lows].join(' L')} Z`;
  return { rows, low, high, line, band };
}

/** What the price chart says in words: its span, first open, last close with the change, low and high. */
export function priceSummary(series, scale) {
  if (!scale) return 'No prices in this range.';
  const { rows } = scale;
  const first = rows[0];
  const last = rows.at(-1);
  const change = first.open !== 0 ? ((last.close - first.open) / first.open) * 100 : null;
  const changeText = change === null ? '' : ` (${change >= 0 ? '+' : ''}${change.toFixed(2)} %)`;
  return (
    `${number(rows.length)} ${rows.length === 1 ? 'point' : 'points'} at ${series.interval ?? '?'} ` +
    `from ${utc(new Date(first.t))} to ${utc(new Date(last.t))} UTC: opened at ${formatPrice(first.open)}, ` +
    `closed at ${formatPrice(last.close)}${changeText}, low ${formatPrice(scale.low)}, ` +
    `high ${formatPrice(scale.high)}.`
  );
}

/** The price chart of one asset over the range asked for, from the series route's answer. */
export function priceChartNode(series, label) {
  const id = `chart-${++chartCount}`;
  const scale = priceScale(series.points, series);
  const { width, height } = PRICE_CHART;
  const caption = element('figcaption', {
    text: priceSummary(series, scale),
    attrs: { id: `${id}-summary` },
  });
  if (!scale) return element('figure', { className: 'chart-figure' }, [caption]);
  const chart = svg(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-labelledby': `${id}-title ${id}-summary`,
      class: 'chart price-chart',
      'data-points': scale.rows.length,
      preserveAspectRatio: 'none',
    },
    [
      svg('title', { id: `${id}-title` }, [label]),
      svg('path', { d: scale.band, class: 'price-band' }),
      svg('path', { d: scale.line, class: 'price-line' }),
    ],
  );
  return element('figure', { className: 'chart-figure' }, [
    element('div', { className: 'chart-legend', attrs: { 'aria-hidden': 'true' } }, [
      element('span', { text: `low ${formatPrice(scale.low)}` }),
      element('span', { text: `high ${formatPrice(scale.high)}` }),
    ]),
    chart,
    caption,
  ]);
}
