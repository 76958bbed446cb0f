import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { stretchPassword, toHex } from '../../server/fxa/crypto/index.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../helpers/server.js';
import { hawk, type SignedIn } from './fxa-client.js';

/**
 * The set-up the FxA protocol test files share: one server for the file, a fresh address per
 * account (tests share the server, so addresses must not collide) and FxA's error shape.
 */

export interface FxaTestServer {
  server: TestServer;
  /** The auth API's base URL, `…/auth/v1/`. */
  auth: string;
}

/** Starts one server before the file's tests and closes it after; filled in once `before` ran. */
export function useFxaServer(options: TestServerOptions = {}): FxaTestServer {
  const fx = {} as FxaTestServer;
  before(async () => {
    fx.server = await startTestServer({}, options);
    fx.auth = `${fx.server.url}auth/v1/`;
  });
  after(async () => fx.server.close());
  return fx;
}

export const email = (name: string) => `${name}-${randomBytes(3).toString('hex')}@example.org`;

export const authPW = (address: string, password: string) => toHex(stretchPassword(address, password).authPW);

/** FxA's error body: the HTTP status repeated as `code`, and the errno. */
export function errorShape(
  res: { status: number; body: Record<string, unknown> },
  status: number,
  errno: number,
): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, status);
  assert.equal(res.body.errno, errno);
}

export type Answer = { status: number; body: Record<string, unknown> & unknown[] };

/** A Hawk caller whose timestamps follow the test's clock, so a moved server clock still accepts them. */
export function clockedCall(fx: FxaTestServer, clock: () => number) {
  return (s: SignedIn, path: string, body?: unknown): Promise<Answer> =>
    hawk(fx.auth, path, {
      token: s.sessionToken,
      ts: Math.floor(clock() / 1000),
      ...(body !== undefined ? { body } : {}),
    });
}
