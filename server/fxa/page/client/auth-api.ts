/**
 * The few auth-server calls the page makes (fxa-local.md §3.4, §4.1 rows 1–5), Hawk-signed
 * with pure-JS HMAC: a plain-http LAN origin has no WebCrypto (§7).
 */
import { hawkHeader, type HawkCredentials } from './hawk.js';

export class AuthApiError extends Error {
  constructor(
    readonly status: number,
    readonly errno: number | null,
    message: string,
    /** errno 120: the account's e-mail as the server stores it (§4.0). */
    readonly canonicalEmail: string | null,
    /** Seconds to wait, from `retryAfter` in the body or the Retry-After header. */
    readonly retryAfter: number | null,
    /** The error body's flags (the directory sign-in's `directoryPasswordChanged`, …). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface LoginResponse {
  uid: string;
  sessionToken: string;
  keyFetchToken: string;
  verified: boolean;
  authAt?: number;
}

export type ScopedKeyData = Record<
  string,
  { identifier: string; keyRotationSecret: string; keyRotationTimestamp: number }
>;

export interface AuthorizationResponse {
  code: string;
  state: string;
}

export class AuthApi {
  /** Server time minus local time, learned from `Date` after a 401 errno 111 (skewed clock). */
  private clockOffsetMs = 0;

  /** `base` is absolute, e.g. http://192.168.1.20:8173/auth/v1 (no trailing slash). */
  constructor(private readonly base: string) {}

  /** One signed (or unsigned) JSON call; the account page's calls (account/account-api.ts) use it too. */
  protected async call<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    credentials: HawkCredentials | null,
    retriedSkew = false,
    /** Outlives the page (a sign-out sent while the tab closes). */
    keepalive = false,
  ): Promise<T> {
    const url = `${this.base}${path}`;
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (text !== undefined) headers['Content-Type'] = 'application/json';
    if (credentials) {
      headers.Authorization = hawkHeader(credentials, {
        method,
        url,
        nowMs: Date.now() + this.clockOffsetMs,
        payload: text === undefined ? null : { contentType: 'application/json', body: text },
      });
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: text,
        cache: 'no-store',
        credentials: 'omit',
        keepalive,
      });
    } catch {
      throw new AuthApiError(
        0,
        null,
        'The Foxden server did not answer. Is it running, and is this the right address?',
        null,
        null,
      );
    }
    let json: Record<string, unknown> = {};
    try {
      json = (await res.json()) as Record<string, unknown>;
    } catch {
      // Non-JSON error bodies (a proxy's HTML page) still get a status-based message below.
    }
    if (res.ok && !('error' in json && typeof json.errno === 'number')) return json as T;
    const errno = typeof json.errno === 'number' ? json.errno : null;
    if (errno === 111 && credentials && !retriedSkew) {
      const serverDate = Date.parse(res.headers.get('Date') ?? '');
      if (!Number.isNaN(serverDate)) {
        this.clockOffsetMs = serverDate - Date.now();
        return this.call(method, path, body, credentials, true);
      }
    }
    const headerRetry = Number(res.headers.get('Retry-After'));
    const retryAfter =
      typeof json.retryAfter === 'number'
        ? json.retryAfter
        : Number.isFinite(headerRetry) && headerRetry > 0
          ? headerRetry
          : null;
    throw new AuthApiError(
      res.status,
      errno,
      typeof json.message === 'string' ? json.message : `The server answered ${res.status}.`,
      typeof json.email === 'string' ? json.email : null,
      retryAfter,
      json,
    );
  }

  createAccount(email: string, authPW: string): Promise<LoginResponse> {
    return this.call('POST', '/account/create?keys=true', { email, authPW }, null);
  }

  login(email: string, authPW: string): Promise<LoginResponse> {
    return this.call('POST', '/account/login?keys=true', { email, authPW }, null);
  }

  /**
   * `[auth] backend = ldap` (issue 14): the login's fields plus the directory password, which
   * the server binds with; `previousAuthPW` and `keyDelta` re-wrap kB after a directory
   * password change, `reset` starts over with new keys.
   */
  directoryLogin(body: {
    name: string;
    email: string;
    authPW: string;
    directoryPassword: string;
    previousAuthPW?: string;
    keyDelta?: string;
    reset?: boolean;
  }): Promise<LoginResponse> {
    return this.call('POST', '/account/directory/login?keys=true', body, null);
  }

  accountKeys(keyFetch: HawkCredentials): Promise<{ bundle: string }> {
    return this.call('GET', '/account/keys', undefined, keyFetch);
  }

  scopedKeyData(session: HawkCredentials, clientId: string, scope: string): Promise<ScopedKeyData> {
    return this.call('POST', '/account/scoped-key-data', { client_id: clientId, scope }, session);
  }

  authorize(session: HawkCredentials, params: Record<string, string>): Promise<AuthorizationResponse> {
    return this.call('POST', '/oauth/authorization', params, session);
  }
}
