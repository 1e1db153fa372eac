// Assets: a search over GET /api/v1/assets, and the asset view at #/assets/<id> with its price chart over the
// range the reader picks (day, week, month, year or all), drawn from GET /api/v1/assets/{id}/prices/series.

/* global URLSearchParams -- a browser global beyond those eslint.config.mjs lists */

import { call } from './api.js';
import { priceChartNode } from './charts.js';
import { element, fact, say, show, text, timeNode } from './dom.js';
import { DASH, PRICE_RANGES, RUN_ID, formatPrice, rangeBounds } from './format.js';
import { state } from './state.js';
import { ui } from './ui.js';

const SEARCH_LIMIT = 20;
/** Prices arrive every few minutes at most: the view reloads them this often, not on every refresh. */
const ASSET_STALE_MS = 60_000;
const MAX_POINTS = 500;
const RANGE_NAMES = { day: 'day', week: 'week', month: 'month', year: 'year', all: 'whole history' };

export async function searchAssets(query) {
  const params = new URLSearchParams({ limit: String(SEARCH_LIMIT) });
  if (query) params.set('search', query);
  say(ui.assetNote, 'Searching…');
  const answer = await call(`/assets?${params}`);
  if (answer.status !== 200 || !Array.isArray(answer.data?.items)) {
    say(ui.assetNote, `Cannot search the assets (${answer.status}: ${answer.message}).`, 'error');
    return;
  }
  const items = answer.data.items;
  say(ui.assetNote, items.length ? '' : query ? `No asset matches “${query}”.` : 'No assets yet.');
  ui.assetResults.replaceChildren(
    ...items.map((asset) =>
      element('li', {}, [
        element('a', { text: `${asset.symbol} · ${asset.name}`, attrs: { href: `#/assets/${asset.id}` } }),
        element('span', {
          className: 'help',
          text: `${asset.coingecko_id}${asset.is_tracked ? ' · tracked' : ''}`,
        }),
      ]),
    ),
  );
}

/** Shows the asset view when the hash names one; true when the asset shown changed. */
export function routeAsset(hash) {
  const match = /^#\/assets\/([^/]+)$/.exec(hash);
  const id = match && RUN_ID.test(match[1]) ? match[1].toLowerCase() : null;
  const changed = id !== state.assetId;
  state.assetId = id;
  ui.viewAsset.hidden = !id;
  if (changed) {
    state.asset = null;
    state.series = null;
    ui.assetDetail.replaceChildren();
    ui.priceChart.replaceChildren();
    for (const node of [ui.assetDetail, ui.priceChart]) delete node.dataset.sig;
  }
  if (changed && id) {
    ui.assetHeading.textContent = 'Asset';
    say(ui.assetMessage, 'Loading…');
    say(ui.priceMessage, '');
    ui.assetHeading.focus();
  }
  if (match && !id) say(ui.status, 'That asset id is not a UUID.', 'error');
  return changed;
}

function assetFacts(asset) {
  const dl = element('dl', { className: 'facts detail' });
  const add = (term, content) =>
    dl.append(...fact(term, typeof content === 'string' ? text(content) : content));
  add('Symbol', element('code', { text: asset.symbol ?? DASH }));
  add('CoinGecko id', element('code', { text: asset.coingecko_id ?? DASH }));
  add('Tracked', asset.is_tracked ? 'yes' : 'no');
  const latest = asset.latest_price;
  add(
    'Latest price',
    latest
      ? element('span', {}, [text(`${formatPrice(latest.price_usd)} · `), timeNode(latest.timestamp)])
      : 'never priced',
  );
  const history = asset.history;
  if (history?.first_at) add('Prices since (UTC)', timeNode(history.first_at));
  if (history?.last_at) add('Last price (UTC)', timeNode(history.last_at));
  if (history?.raw_from) add('15-minute prices since (UTC)', timeNode(history.raw_from));
  return dl;
}

async function loadAsset(id, now) {
  if (state.asset?.id === id && now - state.asset.at < ASSET_STALE_MS) return state.asset.data;
  const answer = await call(`/assets/${id}`);
  if (id !== state.assetId) return null;
  if (answer.status === 404) {
    say(ui.assetMessage, `No asset ${id}.`, 'error');
    return null;
  }
  if (answer.status !== 200 || !answer.data) {
    say(ui.assetMessage, `Cannot load asset ${id} (${answer.status}: ${answer.message}).`, 'error');
    return state.asset?.id === id ? state.asset.data : null;
  }
  state.asset = { id, at: now, data: answer.data };
  say(ui.assetMessage, '');
  return answer.data;
}

async function loadSeries(asset, range, now) {
  const key = `${asset.id}:${range}`;
  if (state.series?.key === key && now - state.series.at < ASSET_STALE_MS) return;
  const bounds = rangeBounds(range, now, asset.history?.first_at ?? asset.latest_price?.timestamp);
  if (!bounds) {
    say(ui.priceMessage, 'No prices stored for this asset yet.', 'info');
    ui.priceChart.replaceChildren();
    delete ui.priceChart.dataset.sig;
    return;
  }
  const params = new URLSearchParams({ ...bounds, interval: 'auto', max_points: String(MAX_POINTS) });
  const answer = await call(`/assets/${asset.id}/prices/series?${params}`);
  if (asset.id !== state.assetId || range !== state.assetRange) return; // the reader moved on meanwhile
  if (answer.status !== 200 || !Array.isArray(answer.data?.points)) {
    const why =
      answer.status === 404
        ? 'this service has no price series (no /api/v1/assets/{id}/prices/series)'
        : `${answer.status}: ${answer.message}`;
    say(ui.priceMessage, `Cannot load the prices (${why}).`, 'error');
    return;
  }
  state.series = { key, at: now };
  say(ui.priceMessage, '');
  const series = answer.data;
  show(ui.priceChart, [key, series.from, series.to, series.interval, series.points], () =>
    priceChartNode(series, `Price of ${asset.symbol} in USD over the last ${RANGE_NAMES[range]}`),
  );
}

/** Loads what the asset view shows (again once it is a minute old); nothing while another view is shown. */
export async function refreshAsset() {
  const id = state.assetId;
  if (!id) return;
  const now = Date.now();
  const asset = await loadAsset(id, now);
  if (!asset || id !== state.assetId) return;
  ui.assetHeading.textContent = `${asset.name ?? asset.symbol} (${asset.symbol})`;
  show(ui.assetDetail, asset, () => assetFacts(asset));
  await loadSeries(asset, state.assetRange, now);
}

/** The range picker: a radio group, so arrow keys move through the ranges and each choice is announced. */
export function wireAssets() {
  ui.assetSearch.addEventListener('submit', (event) => {
    event.preventDefault();
    void searchAssets(ui.assetQuery.value.trim());
  });
  ui.priceRange.addEventListener('change', (event) => {
    const range = event.target.value;
    if (!PRICE_RANGES.includes(range)) return;
    state.assetRange = range;
    say(ui.priceMessage, 'Loading…');
    void refreshAsset();
  });
}

export function clearAssets() {
  state.asset = null;
  state.series = null;
  ui.assetResults.replaceChildren();
  ui.assetDetail.replaceChildren();
  ui.priceChart.replaceChildren();
  for (const node of [ui.assetDetail, ui.priceChart]) delete node.dataset.sig;
}
