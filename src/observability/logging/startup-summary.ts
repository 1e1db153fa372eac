import type { JobSettings } from '../../config/app-config.js';

export interface StartupFacts {
  url: string;
  /** `GET /api/v1/jobs`, … as Nest mapped them. */
  routes: readonly string[];
  jobs: readonly { key: string; settings: JobSettings | undefined }[];
}

/**
 * The one info line that replaces Nest's per-module and per-route lines: where the service listens, how
 * many routes it serves, and each job with its schedule (or that it is disabled).
 */
export function startupSummary(facts: StartupFacts): { fields: Record<string, unknown>; message: string } {
  const api = facts.routes.filter((route) => route.includes(' /api/')).length;
  const jobs = facts.jobs.map(({ key, settings }) =>
    settings?.enabled ? `${key} (${settings.schedule})` : `${key} (disabled)`,
  );
  return {
    fields: {
      url: facts.url,
      routes: facts.routes.length,
      apiRoutes: api,
      jobs: facts.jobs.map((job) => job.key),
    },
    message:
      `Listening on ${facts.url}: ${facts.routes.length} routes (${api} under /api/v1; docs at /docs, ` +
      `dashboard at /dashboard); jobs: ${jobs.join(', ') || 'none'}`,
  };
}
