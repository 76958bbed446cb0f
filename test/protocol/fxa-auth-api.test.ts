import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  OLDSYNC_SCOPE,
  deriveTokenCredentials,
  fromHex,
  stretchPassword,
  toHex,
  xor,
} from '../../server/fxa/crypto/index.js';
import { LocalAccounts } from '../../server/fxa/local-accounts.js';
import { SIGNING_KEY_FILE } from '../../server/fxa/signing-key.js';
import { localFxaEmail } from '../../server/fxa/tokenserver-trust.js';
import { hawkFetch } from '../helpers/sync15-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { FIREFOX, authorize, fetchKb, hawk, post, signIn, syncAccessToken } from './fxa-client.js';

let server: TestServer;
let auth: string;

before(async () => {
  server = await startTestServer();
  auth = `${server.url}auth/v1/`;
});
after(async () => server.close());

const email = (name: string) => `${name}-${randomBytes(3).toString('hex')}@example.org`;
const authPW = (address: string, password: string) => toHex(stretchPassword(address, password).authPW);

function errorShape(body: Record<string, unknown>, status: number, errno: number): void {
  assert.equal(body.code, status);
  assert.equal(body.errno, errno);
  assert.equal(typeof body.error, 'string');
  assert.equal(typeof body.message, 'string');
}

describe('account create and login (spec §4.1 #1, #2)', () => {
  it('create answers uid, tokens, verified, authAt; the same email again is 101', async () => {
    const address = email('create');
    const res = await post(auth, 'account/create?keys=true', {
      email: address,
      authPW: authPW(address, 'pw'),
    });
    assert.equal(res.status, 200);
    assert.match(res.body.uid as string, /^[0-9a-f]{32}$/);
    assert.match(res.body.sessionToken as string, /^[0-9a-f]{64}$/);
    assert.match(res.body.keyFetchToken as string, /^[0-9a-f]{64}$/);
    assert.equal(res.body.verified, true);
    assert.equal(typeof res.body.authAt, 'number');
    const noKeys = await post(auth, 'account/login', { email: address, authPW: authPW(address, 'pw') });
    assert.equal(noKeys.status, 200);
    assert.ok(!('keyFetchToken' in noKeys.body));
    const dup = await post(auth, 'account/create', {
      email: address.toUpperCase(),
      authPW: authPW(address, 'pw'),
    });
    assert.equal(dup.status, 400);
    errorShape(dup.body, 400, 101);
  });

  it('unknown account 102, wrong password 103, wrong case 120 with the canonical email', async () => {
    const address = email('Login');
    await signIn(auth, 'create', address, 'right');
    errorShape(
      (await post(auth, 'account/login', { email: email('nobody'), authPW: authPW('x', 'y') })).body,
      400,
      102,
    );
    errorShape(
      (await post(auth, 'account/login', { email: address, authPW: authPW(address, 'wrong') })).body,
      400,
      103,
    );
    const lower = await post(auth, 'account/login', {
      email: address.toLowerCase(),
      authPW: authPW(address.toLowerCase(), 'right'),
    });
    errorShape(lower.body, 400, 120);
    assert.equal(lower.body.email, address);
  });

  it('wrong passwords are 103, then the account is throttled for that address with 114 and Retry-After', async () => {
    const address = email('throttle');
    await signIn(auth, 'create', address, 'right');
    // Ten honest mistakes per account and address are allowed (the FxA customs model).
    for (let i = 0; i < 10; i++) {
      const res = await post(auth, 'account/login', { email: address, authPW: authPW(address, `wrong${i}`) });
      assert.equal(res.body.errno, 103, `attempt ${i}`);
    }
    const res = await fetch(`${auth}account/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: address, authPW: authPW(address, 'right') }),
    });
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    const body = (await res.json()) as Record<string, unknown>;
    errorShape(body, 429, 114);
    assert.ok((body.retryAfter as number) > 0);
  });

  it('bad input is a 4xx in FxA’s shape, never a 500', async () => {
    for (const body of [
      {},
      { email: 'a@b' },
      { email: 'not-an-email', authPW: 'ab'.repeat(32) },
      { email: 'a@b', authPW: 'zz' },
      { email: 7, authPW: [] },
    ]) {
      const res = await post(auth, 'account/create', body);
      assert.ok(res.status >= 400 && res.status < 500, JSON.stringify(body));
      assert.equal(typeof res.body.errno, 'number');
    }
    const raw = await fetch(`${auth}account/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    assert.equal(raw.status, 400);
    const huge = await fetch(`${auth}account/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(100_000),
    });
    assert.equal(huge.status, 413);
    const status = await fetch(`${auth}account/status?uid=xyz`);
    assert.equal(status.status, 400);
  });

  it('closed sign-ups refuse create with 403/202 and create nothing', async () => {
    server.config.allowNewUsers = false;
    const address = email('closed');
    try {
      const res = await post(auth, 'account/create', { email: address, authPW: authPW(address, 'pw') });
      errorShape(res.body, 403, 202);
      assert.match(res.body.message as string, /closed/i);
    } finally {
      server.config.allowNewUsers = true;
    }
    const status = await post(auth, 'account/status', { email: address });
    assert.equal(status.body.exists, false);
  });

  it('the signing key is stored 0600 in the data directory', () => {
    const mode = fs.statSync(path.join(server.dataDir, SIGNING_KEY_FILE)).mode & 0o777;
    assert.equal(mode, 0o600);
  });
});

describe('Hawk on the auth API (spec §4.0)', () => {
  let s: Awaited<ReturnType<typeof signIn>>;
  before(async () => {
    s = await signIn(auth, 'create', email('hawk'), 'pw');
  });

  it('accepts a good signature, GET and POST with payload hash', async () => {
    const status = await hawk(auth, 'session/status', { token: s.sessionToken });
    assert.equal(status.status, 200);
    assert.deepEqual(status.body, { state: 'verified', uid: s.uid });
    const post = await hawk(auth, 'account/scoped-key-data', {
      token: s.sessionToken,
      body: { client_id: FIREFOX, scope: OLDSYNC_SCOPE },
    });
    assert.equal(post.status, 200);
    const data = post.body[OLDSYNC_SCOPE as never] as unknown as Record<string, unknown>;
    assert.equal(data.keyRotationSecret, '0'.repeat(64));
    assert.equal(typeof data.keyRotationTimestamp, 'number');
  });
  it('bad MAC → 401/109', async () => {
    const res = await hawk(auth, 'session/status', {
      token: s.sessionToken,
      keyOverride: new Uint8Array(32),
    });
    errorShape(res.body, 401, 109);
  });
  it('payload hash of another body → 401/109', async () => {
    const res = await hawk(auth, 'account/devices/notify', {
      token: s.sessionToken,
      body: { to: 'all' },
      signedBody: '{"to":"none"}',
    });
    errorShape(res.body, 401, 109);
  });
  it('skew beyond 60 s → 401/111 with serverTime', async () => {
    const res = await hawk(auth, 'session/status', {
      token: s.sessionToken,
      ts: Math.floor(Date.now() / 1000) - 120,
    });
    errorShape(res.body, 401, 111);
    assert.equal(typeof res.body.serverTime, 'number');
  });
  it('replayed nonce → 401/115', async () => {
    const nonce = randomBytes(8).toString('base64');
    assert.equal((await hawk(auth, 'session/status', { token: s.sessionToken, nonce })).status, 200);
    errorShape((await hawk(auth, 'session/status', { token: s.sessionToken, nonce })).body, 401, 115);
  });
  it('unknown token or no header → 401/110', async () => {
    errorShape(
      (await hawk(auth, 'session/status', { token: randomBytes(32).toString('hex') })).body,
      401,
      110,
    );
    const res = await fetch(`${auth}session/status`);
    errorShape((await res.json()) as Record<string, unknown>, 401, 110);
    // Spec §4.0: on a 401 without Retry-After Firefox re-derives its clock offset from Date and retries once.
    assert.ok(Number.isFinite(Date.parse(res.headers.get('date') ?? '')), 'a 401 carries a Date header');
    assert.equal(res.headers.get('retry-after'), null);
  });
  it('a key fetch token is single use and not a session', async () => {
    const t = await signIn(
      auth,
      'login',
      (await server.server.context.db.transaction('read', (tx) => tx.fxaAccountByUid(s.uid)))!.email,
      'pw',
    );
    errorShape((await hawk(auth, 'session/status', { token: t.keyFetchToken })).body, 401, 110);
    await fetchKb(auth, t);
    errorShape(
      (await hawk(auth, 'account/keys', { token: t.keyFetchToken, kind: 'keyFetchToken' })).body,
      401,
      110,
    );
  });
});

describe('devices, sessions, status (spec §4.1 #8–17)', () => {
  it('register, update, list, notify, commands, destroy session', async () => {
    const s = await signIn(auth, 'create', email('dev'), 'pw');
    const reg = await hawk(auth, 'account/device', {
      token: s.sessionToken,
      body: { name: 'Fox’s Firefox', type: 'desktop', availableCommands: {} },
    });
    assert.equal(reg.status, 200);
    const id = reg.body.id as string;
    assert.match(id, /^[0-9a-f]{32}$/);
    const upd = await hawk(auth, 'account/device', {
      token: s.sessionToken,
      body: { id, availableCommands: { 'https://identity.mozilla.com/cmd/open-uri': 'x' } },
    });
    assert.equal(upd.body.id, id);
    errorShape(
      (
        await hawk(auth, 'account/device', {
          token: s.sessionToken,
          body: { id: randomBytes(16).toString('hex'), name: 'x' },
        })
      ).body,
      400,
      123,
    );
    const list = await hawk(
      auth,
      `account/devices?filterIdleDevicesTimestamp=${Date.now() - 21 * 86400_000}`,
      { token: s.sessionToken },
    );
    assert.equal(list.body.length, 1);
    const d = list.body[0] as Record<string, unknown>;
    assert.equal(d.isCurrentDevice, true);
    assert.equal(d.name, 'Fox’s Firefox');
    assert.deepEqual(d.availableCommands, { 'https://identity.mozilla.com/cmd/open-uri': 'x' });
    assert.equal(
      (
        await hawk(auth, 'account/devices/notify', {
          token: s.sessionToken,
          body: { to: 'all', excluded: [id], payload: {}, TTL: 0 },
        })
      ).status,
      200,
    );
    const commands = await hawk(auth, 'account/device/commands?index=0&limit=10', { token: s.sessionToken });
    assert.deepEqual(commands.body, { index: 0, last: true, messages: [] });
    assert.deepEqual((await hawk(auth, 'account/attached_clients', { token: s.sessionToken })).body, []);
    assert.equal((await hawk(auth, 'recovery_email/status', { token: s.sessionToken })).body.verified, true);
    assert.notEqual(
      (
        await hawk(auth, 'account/devices/invoke_command', {
          token: s.sessionToken,
          body: { command: 'x', target: id, payload: {} },
        })
      ).status,
      200,
    );

    assert.equal(
      (await hawk(auth, 'session/destroy?service=sync', { token: s.sessionToken, body: {} })).status,
      200,
    );
    errorShape((await hawk(auth, 'session/status', { token: s.sessionToken })).body, 401, 110);
    const devices = await server.server.context.db.transaction('read', (tx) => tx.fxaDevices(s.uid));
    assert.equal(devices.length, 0, 'the session’s device went with it');
    const status = await fetch(`${auth}account/status?uid=${s.uid}`);
    assert.deepEqual(await status.json(), { exists: true });
  });
});

describe('kB across password changes (spec §5.6, §9)', () => {
  it('a user password change keeps kB; an admin reset makes a new one', async () => {
    const address = email('rekey');
    const s = await signIn(auth, 'create', address, 'old password');
    const kB = await fetchKb(auth, s);
    const old = await server.server.context.db.transaction('read', (tx) => tx.fxaAccountByUid(s.uid));

    // FxA's start/finish, as the account page does it: the client re-wraps kB for the new password.
    const next = stretchPassword(address, 'new password');
    const started = await hawk(auth, 'password/change/start', {
      token: s.sessionToken,
      body: { email: address, oldAuthPW: authPW(address, 'old password') },
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const change = await hawk(auth, 'password/change/finish', {
      token: started.body.passwordChangeToken as string,
      kind: 'passwordChangeToken',
      body: {
        authPW: toHex(next.authPW),
        wrapKb: toHex(xor(kB, next.unwrapBKey)),
        sessionToken: deriveTokenCredentials(fromHex(s.sessionToken), 'sessionToken').id,
      },
    });
    assert.equal(change.status, 200, JSON.stringify(change.body));
    assert.equal(
      (await post(auth, 'account/login', { email: address, authPW: authPW(address, 'old password') })).body
        .errno,
      103,
    );
    const after1 = await signIn(auth, 'login', address, 'new password');
    assert.equal(toHex(await fetchKb(auth, after1)), toHex(kB), 'kB is stable across a user password change');
    const changed = await server.server.context.db.transaction('read', (tx) => tx.fxaAccountByUid(s.uid));
    assert.equal(changed!.keysChangedAt, old!.keysChangedAt);
    assert.ok(changed!.verifierSetAt > old!.verifierSetAt);
    assert.equal(
      (await hawk(auth, 'session/status', { token: change.body.sessionToken as string })).status,
      200,
      'the changing session’s successor works',
    );
    // The one-call POST /password/change is gone: Firefox and the page use start/finish.
    const oneCall = await fetch(new URL('password/change', auth), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(oneCall.status, 404);

    await new LocalAccounts(server.server.context).resetPassword(s.uid, 'temporary');
    errorShape((await hawk(auth, 'session/status', { token: after1.sessionToken })).body, 401, 110);
    const after2 = await signIn(auth, 'login', address, 'temporary');
    assert.notEqual(toHex(await fetchKb(auth, after2)), toHex(kB), 'an admin reset changes kB');
    const reset = await server.server.context.db.transaction('read', (tx) => tx.fxaAccountByUid(s.uid));
    assert.ok(reset!.keysChangedAt > changed!.keysChangedAt);
    assert.ok(reset!.verifierSetAt >= reset!.keysChangedAt);
  });
});

describe('LocalAccounts (admin)', () => {
  it('create, list with devices and last sync, delete with the Sync storage', async () => {
    const accounts = new LocalAccounts(server.server.context);
    const address = email('admin');
    const { uid } = await accounts.create(address, 'owner set');
    await assert.rejects(accounts.create(address, 'again'), /exists/);
    const s = await signIn(auth, 'login', address, 'owner set');
    await hawk(auth, 'account/device', { token: s.sessionToken, body: { name: 'Laptop', type: 'desktop' } });
    const a = await authorize(auth, s, await fetchKb(auth, s));
    const ts = await fetch(`${server.url}1.0/sync/1.5`, {
      headers: { authorization: `Bearer ${await syncAccessToken(auth, s.sessionToken)}`, 'x-keyid': a.kid },
    });
    const token = (await ts.json()) as { id: string; key: string; uid: number; api_endpoint: string };
    assert.equal(
      (
        await hawkFetch(`${token.api_endpoint}/storage/bookmarks/x`, {
          method: 'PUT',
          body: { payload: 'p' },
          credentials: token,
        })
      ).status,
      200,
    );

    const listed = (await accounts.list()).find((x) => x.uid === uid)!;
    assert.equal(listed.email, address);
    assert.deepEqual(
      listed.devices.map((d) => d.name),
      ['Laptop'],
    );
    assert.equal(listed.storageUid, token.uid);
    assert.equal(typeof listed.lastSync, 'number');

    assert.equal(await accounts.delete(uid), true);
    assert.equal(await accounts.delete(uid), false);
    const db = server.server.context.db;
    assert.deepEqual(
      await db.transaction('read', (tx) => tx.tokenserverUsersByEmail(localFxaEmail(uid), 5)),
      [],
    );
    assert.equal(await db.transaction('read', (tx) => tx.storageUserKind(token.uid)), null);
    assert.equal(
      (await hawkFetch(`${token.api_endpoint}/storage/bookmarks/x`, { credentials: token })).status,
      404,
    );
    errorShape((await hawk(auth, 'session/status', { token: s.sessionToken })).body, 401, 110);
    assert.deepEqual(await (await fetch(`${auth}account/status?uid=${uid}`)).json(), { exists: false });
  });
});
