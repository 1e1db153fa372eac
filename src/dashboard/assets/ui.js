// The page's fixed elements (index.html), looked up once: a missing one fails at load, not on first use.

export const byId = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`dashboard markup lacks #${id}`);
  return node;
};

export const ui = Object.fromEntries(
  [
    'token-form',
    'token',
    'forget-token',
    'status',
    'banner',
    'banner-text',
    'banner-progress',
    'banner-link',
    'banner-dismiss',
    'view-main',
    'jobs',
    'queue',
    'queue-empty',
    'filters',
    'filter-job',
    'filter-status',
    'runs-body',
    'load-more',
    'alerts',
    'alerts-note',
    'usage',
    'usage-note',
    'view-run',
    'run-heading',
    'run-message',
    'run-detail',
    'run-dialog',
    'run-form',
    'run-dialog-heading',
    'run-dialog-description',
    'run-limit-fields',
    'run-limit',
    'run-limit-help',
    'run-all-field',
    'run-all',
    'run-dialog-error',
    'run-cancel',
    'cancel-dialog',
    'cancel-dialog-text',
    'refreshed',
    'refresh-now',
  ].map((id) => [id.replace(/-(\w)/g, (_, c) => c.toUpperCase()), byId(id)]),
);
