import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * Checks every answer the e2e tests receive from a service started with `startApp` against the OpenAPI
 * document that service serves: the route must declare the status, and a JSON body must validate against
 * the schema declared for that status. Done once here, around the global `fetch` every spec uses, so a
 * route added later is covered without touching its tests. A violation makes that `fetch` reject, which
 * fails the test at the call that received the answer.
 */

type Json = Record<string, unknown>;

interface Operation {
  operationId?: string;
  responses?: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  parameters: number;
  operation: Operation;
}

interface Served {
  routes: Route[];
  ajv: Ajv2020;
  validators: Map<string, ValidateFunction>;
}

const DOCUMENT_ID = 'openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const served = new Map<string, Served>();
let originalFetch: typeof fetch | undefined;

/** A numeric column's exact decimal text, as PostgreSQL prints it (`ApiDecimal`). */
const DECIMAL = /^-?\d+(\.\d+)?$/;

// ajv-formats is CommonJS: its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

function compileRoutes(document: Json): Route[] {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation>>;
  const routes = Object.entries(paths).flatMap(([template, item]) =>
    METHODS.filter((method) => item[method]).map((method) => {
      const source = template
        .split(/\{[^}]+\}/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]+');
      return {
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${source}$`),
        parameters: (template.match(/\{/g) ?? []).length,
        operation: item[method],
      };
    }),
  );
  // A literal path wins over a templated one that also matches it.
  return routes.sort((a, b) => a.parameters - b.parameters);
}

/** `#/components/…` inside a response schema, made to point into the document Ajv holds. */
function anchored(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(anchored);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#/')
        ? `${DOCUMENT_ID}${value}`
        : anchored(value),
    ]),
  );
}

function declaredResponse(
  operation: Operation,
  status: number,
): { key: string; schema?: Json; json: boolean } | undefined {
  const responses = operation.responses ?? {};
  const key = [String(status), `${String(status)[0]}XX`, 'default'].find((candidate) => responses[candidate]);
  if (!key) return undefined;
  const content = responses[key]?.content ?? {};
  const media = content['application/json'];
  return { key, schema: media?.schema, json: media !== undefined };
}

async function check(service: Served, method: string, url: URL, response: Response): Promise<void> {
  const route = service.routes.find(
    (candidate) => candidate.method === method && candidate.pattern.test(url.pathname),
  );
  // Not an API operation (the dashboard, Swagger UI, the 404 fallback): nothing is declared to check against.
  if (!route) return;
  const where = `${method} ${url.pathname} (${route.operation.operationId ?? route.template}) answered ${response.status}`;
  const declared = declaredResponse(route.operation, response.status);
  if (!declared) throw new Error(`OpenAPI: ${where}, a status its operation does not declare`);
  const type = response.headers.get('content-type') ?? '';
  if (!/^application\/json\b/.test(type)) return;
  if (!declared.json)
    throw new Error(`OpenAPI: ${where} with JSON, but ${declared.key} declares no application/json`);
  if (!declared.schema) throw new Error(`OpenAPI: ${where}, and ${declared.key} declares no schema`);
  const text = await response.clone().text();
  const body: unknown = JSON.parse(text);
  const cacheKey = `${route.method} ${route.template} ${declared.key}`;
  let validate = service.validators.get(cacheKey);
  if (!validate) {
    validate = service.ajv.compile(anchored(declared.schema) as Json);
    service.validators.set(cacheKey, validate);
  }
  if (!validate(body)) {
    const problems = (validate.errors ?? []).map(
      (error) => `${error.instancePath || '/'} ${error.message ?? ''}`,
    );
    throw new Error(
      `OpenAPI: ${where}, a body that violates the schema of ${declared.key}: ${problems.join('; ')}\n` +
        `body: ${text.slice(0, 2000)}`,
    );
  }
}

function installFetchHook(): void {
  if (originalFetch) return;
  const passThrough = globalThis.fetch;
  originalFetch = passThrough;
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const response = await passThrough(input, init);
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : input instanceof URL ? input.href : input);
    const service = served.get(url.origin);
    if (service) {
      const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
      await check(service, method, url, response);
    }
    return response;
  };
}

/** Starts checking the answers of the service at `baseUrl` against the document it serves. */
export async function validateResponsesOf(baseUrl: string): Promise<void> {
  installFetchHook();
  const fetchDocument = originalFetch ?? fetch;
  const answer = await fetchDocument(`${baseUrl}/docs-json`);
  if (answer.status !== 200) throw new Error(`OpenAPI: ${baseUrl}/docs-json answered ${answer.status}`);
  const document = (await answer.json()) as Json;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('decimal', DECIMAL);
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  served.set(new URL(baseUrl).origin, { routes: compileRoutes(document), ajv, validators: new Map() });
}

/** Stops checking a service that is gone (its port may be reused by the next one). */
export function forgetResponsesOf(baseUrl: string): void {
  served.delete(new URL(baseUrl).origin);
}
