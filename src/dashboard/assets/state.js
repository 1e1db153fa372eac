// What the page knows between refreshes, shared by its views.

export const state = {
  /** Set from this tab's sessionStorage at start (see api.js). */
  token: '',
  /** The service refused the token (401): stop asking until the operator enters another. */
  refused: false,
  /** A trigger or cancel answered 403: this token may read but not act. */
  readOnly: false,
  /** Bumped by every refresh and token change, so that a late answer never paints over a newer one. */
  generation: 0,
  timer: undefined,
  jobs: [],
  /** Job key → its panel, kept across refreshes so a focused button is not replaced under the user. */
  panels: new Map(),
  /** Job key → { signature, runs } of its chart: refetched only when the job's last run changed. */
  charts: new Map(),
  triggering: new Set(),
  history: { items: [], cursor: null, extra: false },
  historyRows: new Map(),
  /** The price flags shown: the first page and those loaded with "More flags" (`extra`). */
  flags: { items: [], cursor: null, extra: false },
  /** Run ids whose error expander is open (rows are rebuilt, the operator's choice is not). */
  expanded: new Set(),
  /** Routes that answered 404 (not in this service version): not asked again until a reload. */
  missing: new Set(),
  /** The run started with Run now that the banner follows. */
  follow: null,
  /** The run shown at #/runs/<id>. */
  detailId: null,
  /** The job the Run now dialog is for. */
  dialogJob: null,
  cancelRun: null,
  /** The asset shown at #/assets/<id>, the range its chart shows, and what was loaded for it when. */
  assetId: null,
  assetRange: 'day',
  asset: null,
  series: null,
};

/**
 * What the page's entry (dashboard.js) does, for the views that act: filled in by it at start, so a view
 * never imports the module that imports it.
 */
export const page = {
  refresh: async () => {},
  /** The service refused the token (401): forget the data and ask for another. */
  refuse: (_answer) => {},
  renderJobs: (_jobs) => {},
};
