// The API client and the token: reads /api/v1 with the bearer token the operator enters. The token lives in
// this tab's sessionStorage only (gone with the tab) and travels only in the Authorization header.

import { state } from './state.js';

export const API = '/api/v1';
const TOKEN_KEY = 'cpb.dashboard.token';
/** RFC 6750 token characters are a subset of this; anything else (a pasted newline, a space) is a typo. */
export const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

export function loadToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return ''; // storage disabled by the browser: the token then lives in this page only
  }
}

export function saveToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: nothing to keep, nothing to forget.
  }
}

/** One call to the API (a path under /api/v1, or an absolute `/api/…` path); never throws: status 0 = unreachable. */
export async function call(path, { method = 'GET', body } = {}) {
  let response;
  try {
    const headers = new Headers({ Accept: 'application/json', Authorization: `Bearer ${state.token}` });
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    response = await fetch(path.startsWith('/api/') ? path : `${API}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    return { status: 0, data: null, message: 'the service cannot be reached' };
  }
  const data = await response.json().catch(() => null);
  const message =
    data && typeof data.message === 'string'
      ? data.message
      : `HTTP ${response.status} ${response.statusText}`;
  return { status: response.status, data, message };
}

/** A route another part of the service may not have yet: 404 means "not here", remembered until a reload. */
export async function optional(key, path) {
  if (state.missing.has(key)) return { status: 404, data: null, message: 'not available' };
  const answer = await call(path);
  if (answer.status === 404) state.missing.add(key);
  return answer;
}

/** Says why a refused action was refused, and in which tone. */
export function describeRefusal(what, answer) {
  switch (answer.status) {
    case 409:
      return [`${what}: ${answer.message}.`, 'warning'];
    case 403:
      return [`${what}: this token may not do that (403: ${answer.message}).`, 'error'];
    case 429:
      return [`${what}: too many triggers (429: ${answer.message}).`, 'warning'];
    case 401:
      return [
        `${what}: the service refused this token (401: ${answer.message}). Enter a valid token.`,
        'error',
      ];
    case 0:
      return [`${what}: ${answer.message}.`, 'error'];
    default:
      return [`${what} (${answer.status}: ${answer.message}).`, 'error'];
  }
}
