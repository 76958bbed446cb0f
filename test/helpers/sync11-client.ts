import { usernameFromEmail } from '../../server/accounts/index.js';
import type { Config } from '../../server/config.js';
import { startTestServer, type TestServer } from './server.js';

export function basicAuth(username: string, password: string): string {
  return 'Basic ' + Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

export interface Sync11Response {
  status: number;
  headers: Headers;
  text: string;
  bytes: Buffer;
  json(): unknown;
}

export interface RequestOptions {
  body?: string | Buffer;
  json?: unknown;
  headers?: Record<string, string>;
  /** Send no Authorization header. */
  anonymous?: boolean;
}

async function request(
  url: string,
  method: string,
  options: RequestOptions,
  auth?: string,
): Promise<Sync11Response> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (auth && !options.anonymous && headers.Authorization === undefined) headers.Authorization = auth;
  let body: string | Buffer | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  return { status: res.status, headers: res.headers, text, bytes, json: () => JSON.parse(text) as unknown };
}

/** A Sync 1.1 user as Firefox would act: hashed username in the URL and in Basic auth. */
export class Sync11User {
  readonly username: string;
  readonly auth: string;

  constructor(
    readonly base: string,
    readonly email: string,
    readonly password = 'correct horse battery',
    readonly version = '1.1',
  ) {
    this.username = usernameFromEmail(email);
    this.auth = basicAuth(this.username, password);
  }

  /** Path relative to <base><version>/<username>/ */
  storageUrl(path: string): string {
    return `${this.base}${this.version}/${this.username}/${path}`;
  }

  userUrl(path = ''): string {
    return `${this.base}user/1.0/${this.username}${path}`;
  }

  async create(headers: Record<string, string> = {}): Promise<Sync11Response> {
    return request(this.userUrl(), 'PUT', {
      json: {
        email: this.email,
        password: this.password,
        'captcha-challenge': null,
        'captcha-response': null,
      },
      headers,
    });
  }

  req(method: string, path: string, options: RequestOptions = {}): Promise<Sync11Response> {
    return request(this.storageUrl(path), method, options, this.auth);
  }

  userReq(method: string, path: string, options: RequestOptions = {}): Promise<Sync11Response> {
    return request(this.userUrl(path), method, options, this.auth);
  }
}

export function raw(url: string, method: string, options: RequestOptions = {}): Promise<Sync11Response> {
  return request(url, method, options);
}

let counter = 0;
/** A fresh e-mail per call so tests never share an account. */
export function freshEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${counter}.${process.pid}@example.com`;
}

/** Creates the account over HTTP and fails loudly if that did not work. */
export async function newUser(base: string, prefix?: string, version?: string): Promise<Sync11User> {
  const user = new Sync11User(base, freshEmail(prefix), undefined, version);
  const res = await user.create();
  if (res.status !== 200) throw new Error(`creating ${user.email} failed: ${res.status} ${res.text}`);
  return user;
}

/** A settable clock, so TTL and expiry are tested without sleeping. */
export class FakeClock {
  constructor(public ms = 1_700_000_000_000) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** startTestServer on a FakeClock. */
export async function startClockedServer(
  overrides: Partial<Config> = {},
  clock = new FakeClock(),
): Promise<TestServer & { clock: FakeClock }> {
  return { ...(await startTestServer(overrides, { clock: clock.now })), clock };
}
