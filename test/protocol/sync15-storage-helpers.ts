import assert from 'node:assert/strict';
import { hawkFetch, type Sync15TestUser } from '../helpers/sync15-client.js';

/** A storage response read once: status, headers and the raw body text. */
export interface RawReply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (throws on a non-JSON body; call only where JSON is expected). */
  json<T = unknown>(): T;
}

export interface CallOptions {
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Seconds for the Hawk ts, when the server runs on a controlled clock. */
  ts?: number;
}

/** A record as GET answers it (§2.3). */
export interface Bso {
  id: string;
  modified: number;
  payload: string;
  sortindex?: number;
}

/** The answer to a POST that writes: a plain upload or a batch commit (§2.9, §2.10). */
export interface PostResult {
  modified: number;
  success: string[];
  failed: Record<string, string>;
}

/** The answer to a POST that opens or appends to a batch (§2.10). */
export interface BatchReply {
  batch: string;
  success: string[];
  failed: Record<string, string>;
}

/** A refusal: the status and the bare Weave error code as a JSON body (§2.12). */
export function assertCode(reply: RawReply, status: number, code: number): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.text, String(code));
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
}

/** Two-decimal timestamps, as every storage timestamp must look on the wire (§2.2). */
export const TIMESTAMP = /^\d+\.\d{2}$/;

/** Hawk-signed calls to one user's storage, relative to its endpoint (`/1.5/<uid>`). */
export class StorageClient {
  constructor(
    readonly user: Sync15TestUser,
    private readonly tsSource?: () => number,
  ) {}

  url(path: string): string {
    return this.user.endpoint + path;
  }

  async call(method: string, path: string, o: CallOptions = {}): Promise<RawReply> {
    const ts = o.ts ?? (this.tsSource ? Math.floor(this.tsSource() / 1000) : undefined);
    const res = await hawkFetch(this.url(path), {
      method,
      credentials: this.user.credentials,
      ...(o.body !== undefined ? { body: o.body } : {}),
      ...(o.contentType !== undefined ? { contentType: o.contentType } : {}),
      ...(o.headers ? { headers: o.headers } : {}),
      ...(ts !== undefined ? { ts } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      text,
      json<T>() {
        return JSON.parse(text) as T;
      },
    };
  }

  get(path: string, o?: CallOptions) {
    return this.call('GET', path, o);
  }
  put(path: string, body: unknown, o: CallOptions = {}) {
    return this.call('PUT', path, { ...o, body });
  }
  post(path: string, body: unknown, o: CallOptions = {}) {
    return this.call('POST', path, { ...o, body });
  }
  del(path: string, o?: CallOptions) {
    return this.call('DELETE', path, o);
  }
}

/** Milliseconds from a header like "1388635807.40". */
export function headerMillis(headers: Headers, name: string): number {
  const value = headers.get(name);
  if (value === null || !TIMESTAMP.test(value)) throw new Error(`${name} is ${String(value)}`);
  return Math.round(Number(value) * 1000);
}
