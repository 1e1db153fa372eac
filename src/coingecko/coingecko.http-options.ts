import http from 'node:http';
import https from 'node:https';
import type { AppConfig, CoinGeckoPlan } from '../config/app-config.js';

/** The header that carries the key on each plan; the public plan sends none. */
export function apiKeyHeader(plan: CoinGeckoPlan): string | undefined {
  if (plan === 'demo') return 'x-cg-demo-api-key';
  if (plan === 'pro') return 'x-cg-pro-api-key';
  return undefined;
}

/** axios options of the CoinGecko HttpModule. */
export function coinGeckoHttpOptions(settings: AppConfig['coingecko']) {
  const header = apiKeyHeader(settings.plan);
  return {
    baseURL: settings.baseUrl,
    // Paths are always relative: an absolute URL must never take the key to another host.
    allowAbsoluteUrls: false,
    headers: {
      Accept: 'application/json',
      'User-Agent': 'crypto-pocket-butler-jobs',
      ...(header && settings.apiKey ? { [header]: settings.apiKey } : {}),
    },
    httpAgent: new http.Agent({ keepAlive: true }),
    httpsAgent: new https.Agent({ keepAlive: true }),
    // Raw bytes: the transport parses JSON itself, to keep number text and to see HTML or cut-off bodies.
    responseType: 'arraybuffer' as const,
    // Every status reaches the classifier; redirects are not followed (custom key headers would go along).
    validateStatus: () => true,
    maxRedirects: 0,
  };
}
