// The price history backfill's progress in words, from GET /api/v1/prices/coverage. Pure: no DOM, so it loads
// (and is tested) outside a browser too; coverage.js builds the panel from it.

import { number, parseTime, relative, utc } from './format.js';

const count = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** `percent` as the API sends it (one decimal, floored), clamped to 0–100; null when it is not a number. */
export function coveragePercent(coverage) {
  const percent = count(coverage?.percent);
  return percent === null ? null : Math.min(100, Math.max(0, percent));
}

/** "87.5 % of 120 priced assets have their history", or why there is nothing to say. */
export function coverageHeadline(coverage) {
  const priced = count(coverage?.priced);
  const percent = coveragePercent(coverage);
  if (priced === null || percent === null) return 'Coverage unknown.';
  if (priced === 0) return 'No priced assets yet.';
  const assets = `${number(priced)} priced asset${priced === 1 ? '' : 's'}`;
  return `${percent.toLocaleString('en', { maximumFractionDigits: 1 })} % of ${assets} have their history.`;
}

/** The three counts, in the order the panel lists them. */
export function coverageCounts(coverage) {
  return [
    ['Complete', number(count(coverage?.complete))],
    ['Pending', number(count(coverage?.pending))],
    ['Set aside', number(count(coverage?.set_aside))],
  ];
}

/** When the backfill is expected to finish, in words (UTC and how far off). */
export function completionInWords(coverage, now = Date.now()) {
  const pending = count(coverage?.pending);
  const runs = count(coverage?.runs_needed);
  if (pending === 0) return 'complete: nothing left to backfill';
  const at = parseTime(coverage?.estimated_completion_at);
  const inRuns = runs === null ? '' : ` (${number(runs)} more run${runs === 1 ? '' : 's'})`;
  if (!at) return `not estimated: the backfill job is disabled${inRuns}`;
  return `${utc(at)} UTC, ${relative(at, now)}${inRuns}`;
}

/** The assets set aside, each with its tries and the error CoinGecko gave (null when it gave none). */
export function setAsideRows(coverage) {
  const items = Array.isArray(coverage?.set_aside_assets) ? coverage.set_aside_assets : [];
  return items.map((asset) => ({
    coingeckoId: String(asset?.coingecko_id ?? '?'),
    tries: `${number(count(asset?.tries))} ${asset?.tries === 1 ? 'try' : 'tries'}`,
    error: typeof asset?.last_error === 'string' && asset.last_error !== '' ? asset.last_error : null,
    lastTriedAt: typeof asset?.last_tried_at === 'string' ? asset.last_tried_at : null,
  }));
}
