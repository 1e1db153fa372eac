import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../database/project-root.js';
import { JobRegistry } from '../jobs/job-registry.js';
import { BEARER_AUTH, completeDocument } from './openapi/complete-document.js';

export { BEARER_AUTH };

/** The scheme of `/metrics` when `METRICS_TOKEN` is set: a scraper credential, not an API token. */
export const METRICS_AUTH = 'metrics_token';

export const SERVICE_TITLE = 'Crypto Pocket Butler jobs service';

/** The OpenAPI version of `/docs-json`: 3.1, so that a nullable object is `anyOf: [$ref, {type: 'null'}]`. */
export const OPENAPI_VERSION = '3.1.0';

const TAGS: Readonly<Record<string, string>> = {
  jobs: 'Trigger the collection jobs, read their definitions and their run history, cancel a run.',
  alerts:
    'Alerts raised about failing, recovered and overdue jobs, with the state of their webhook delivery.',
  assets:
    'Read the collected data: assets, price history and its quality flags, ranking snapshots, contract addresses.',
  coingecko: 'The CoinGecko calls made this month against the call budget.',
  providers:
    'The market-data providers: calls against each one’s budget, and the assets’ ids at each provider.',
  health: 'Liveness and readiness probes for an orchestrator or a load balancer (public).',
  observability: 'Prometheus metrics (public unless `METRICS_TOKEN` is set).',
};

interface PackageInfo {
  name: string;
  version: string;
  description?: string;
  license?: string;
}

export function packageInfo(): PackageInfo {
  return JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as PackageInfo;
}

const DESCRIPTION = (summary: string): string =>
  [
    summary,
    '**Authentication.** Every route under `/api/v1` needs `Authorization: Bearer <token>`: a static API token ' +
      '(`API_TOKENS`) or an OIDC access token, a JWT verified against `AUTH_JWKS_URL`. Triggers, cancelling a ' +
      'run and `PATCH` need the admin role. The health probes are public; `/metrics` is public unless ' +
      '`METRICS_TOKEN` is set.',
    '**Authorize on this page.** The token you enter with *Authorize* stays in this page’s memory only — ' +
      'not in localStorage, sessionStorage or a cookie — so reloading the page forgets it. The dashboard keeps ' +
      'its token in sessionStorage (this tab only, gone when the tab closes).',
    '**Errors.** Every 4xx and 5xx answers the JSON `ErrorBody` (`statusCode`, `error`, `message`; `details` ' +
      'on validation errors; `run_id` on a 409). Nothing runs on a 4xx.',
    'Monitoring dashboard: [/dashboard](/dashboard) · this document: [/docs-json](/docs-json) (OpenAPI 3.1).',
  ].join('\n\n');

/** An SPDX identifier for the license object; `UNLICENSED` (npm's "not licensed for reuse") has none. */
function license(spdx: string | undefined): { name: string; identifier: string } {
  if (!spdx || spdx === 'UNLICENSED') {
    return { name: 'Proprietary (not licensed for reuse)', identifier: 'LicenseRef-Proprietary' };
  }
  return { name: spdx, identifier: spdx };
}

/** The registered job keys, once the app is initialised (job handlers are discovered at init). */
function jobKeys(app: INestApplication): string[] {
  return app
    .get(JobRegistry, { strict: false })
    .all()
    .map((handler) => handler.definition.key);
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const info = packageInfo();
  const builder = new DocumentBuilder()
    .setOpenAPIVersion(OPENAPI_VERSION)
    .setTitle(SERVICE_TITLE)
    .setDescription(DESCRIPTION(info.description ?? ''))
    .setVersion(info.version)
    .addServer('/', 'This service (the document is served by the service it describes)')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API token or OIDC JWT',
        description:
          'A static API token from `API_TOKENS` (an opaque string, admin role) or an OIDC access token ' +
          '(a JWT signed by a key of `AUTH_JWKS_URL`; admin role from `AUTH_ADMIN_ROLE`).',
      },
      BEARER_AUTH,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque METRICS_TOKEN',
        description: 'The `METRICS_TOKEN` a scraper sends; needed only when it is set.',
      },
      METRICS_AUTH,
    );
  const config = { ...builder.build(), info: { ...builder.build().info, license: license(info.license) } };
  // A generated client names its methods after the operationIds: the handler's name (`listRuns`), or the
  // explicit `operationId` of its `@ApiOperation` where a name alone would be ambiguous (`listAssets`).
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controller, method) => method,
  });
  return completeDocument(document, { jobKeys: jobKeys(app), bodyLimit: '100 kB', tags: TAGS });
}

/** Swagger UI at `/docs`, the OpenAPI document at `/docs-json`, built on first use (after init). */
export function setupSwagger(app: INestApplication): void {
  let document: OpenAPIObject | undefined;
  SwaggerModule.setup('docs', app, () => (document ??= buildOpenApiDocument(app)), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: `${SERVICE_TITLE} — API`,
    // Kept in memory only, as the description says: a token in localStorage would outlive the browser session.
    swaggerOptions: { persistAuthorization: false },
  });
}
