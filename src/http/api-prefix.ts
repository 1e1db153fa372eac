/** Every API route lives under this prefix; health, docs, metrics and the dashboard stay at the root. */
export const API_PREFIX = 'api/v1';
