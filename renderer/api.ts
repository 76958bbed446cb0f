import type { AdminApi, AdminErrorShape, AdminMethod } from '../server/admin/api.js';

declare global {
  interface Window {
    /** The Electron preload's contextBridge export: the same AdminApi over IPC. */
    foxden?: AdminApi;
  }
}

const TOKEN_KEY = 'foxden.adminToken';

/** A refused or failed admin call, normalised whatever the transport was. */
export class ApiError extends Error {
  constructor(
    readonly code: AdminErrorShape['code'] | 'unauthorized',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const KNOWN_CODES = new Set(['invalid-argument', 'not-found', 'conflict', 'io', 'unavailable', 'internal']);

/** Turns whatever a transport rejected with (IPC plain object, Error, fetch failure) into an ApiError. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; field?: unknown };
    const code =
      typeof e.code === 'string' && KNOWN_CODES.has(e.code)
        ? (e.code as AdminErrorShape['code'])
        : 'internal';
    const message = typeof e.message === 'string' && e.message ? e.message : 'Something went wrong.';
    return new ApiError(code, message, typeof e.field === 'string' ? e.field : undefined);
  }
  return new ApiError('internal', String(err));
}

/**
 * Takes the admin token from the `#token=` fragment the tray / CLI opened us with, keeps it
 * for this tab only, and removes it from the address bar so it does not end up in history,
 * screenshots or a copied link.
 */
export function takeTokenFromLocation(): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (match) {
    const token = decodeURIComponent(match[1] ?? '');
    window.sessionStorage.setItem(TOKEN_KEY, token);
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    return token;
  }
  return window.sessionStorage.getItem(TOKEN_KEY);
}

interface ErrorBody {
  error?: { code?: string; message?: string; field?: string };
}

async function callOverHttp(token: string, method: AdminMethod, args: unknown[]): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(args),
      credentials: 'omit',
    });
  } catch {
    throw new ApiError('unavailable', 'Cannot reach Foxden. Is it still running?');
  }
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (res.ok) return body;
  if (res.status === 401 || res.status === 403) {
    throw new ApiError(
      'unauthorized',
      'This dashboard link is no longer valid. Open the dashboard again from Foxden (tray menu or the command line).',
    );
  }
  const error = (body as ErrorBody | undefined)?.error;
  if (error) throw toApiError(error);
  throw new ApiError(
    res.status >= 500 ? 'internal' : 'invalid-argument',
    `Foxden answered with HTTP ${res.status}.`,
  );
}

/** The AdminApi over the loopback admin HTTP listener: POST api/<method> with a JSON array of arguments. */
export function httpAdminApi(token: string): AdminApi {
  return new Proxy({} as AdminApi, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined;
      return (...args: unknown[]) => callOverHttp(token, name as AdminMethod, args);
    },
  });
}

/** Wraps every method so rejections are ApiErrors, whatever shape the transport used. */
function normalised(api: AdminApi): AdminApi {
  return new Proxy(api, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        Promise.resolve()
          .then(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args))
          .catch((err: unknown) => {
            throw toApiError(err);
          });
    },
  });
}

let cached: AdminApi | null = null;

/**
 * The admin surface for the views: Electron IPC when the preload exposed `window.foxden`,
 * otherwise HTTP with the token from the URL. Without a token every call is refused with
 * 'unauthorized', which the app shows as "open the dashboard from Foxden".
 */
export function getAdminApi(): AdminApi {
  if (!cached) cached = normalised(window.foxden ?? httpAdminApi(takeTokenFromLocation() ?? ''));
  return cached;
}
