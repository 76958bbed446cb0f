// FxA's password change, /password/change/start and /finish (research firefox-device-commands
// §4.2, §4.4), over real HTTP: the old password is checked, kB survives (the client re-wraps it),
// every other session ends with 401/110, the changing session gets a successor that keeps its
// device, and the password change token is single use, short-lived and only good for finish.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  OLDSYNC_SCOPE,
  deriveTokenCredentials,
  fromHex,
  openKeysBundle,
  stretchPassword,
  toHex,
  unwrapKb,
  xor,
} from '../../server/fxa/crypto/index.js';
import { LocalAccounts } from '../../server/fxa/local-accounts.js';
import { FIREFOX, fetchKb, hawk, post, signIn, type SignedIn } from './fxa-client.js';
import { authPW, email, errorShape, useFxaServer } from './fxa-test-setup.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const fx = useFxaServer();

interface Started {
  keyFetchToken: string;
  passwordChangeToken: string;
}

async function start(address: string, oldPassword: string, sessionToken: string) {
  return hawk(fx.auth, 'password/change/start', {
    token: sessionToken,
    body: { email: address, oldAuthPW: authPW(address, oldPassword) },
  });
}

/** What the account page does between start and finish: kB from the keys, re-wrapped for the new password. */
async function rewrappedKb(
  address: string,
  oldPassword: string,
  newPassword: string,
  started: Started,
): Promise<{ kB: Uint8Array; authPW: string; wrapKb: string }> {
  const keys = await hawk(fx.auth, 'account/keys', { token: started.keyFetchToken, kind: 'keyFetchToken' });
  assert.equal(keys.status, 200, JSON.stringify(keys.body));
  const bundleKey = deriveTokenCredentials(fromHex(started.keyFetchToken), 'keyFetchToken').extra;
  const oldCreds = stretchPassword(address, oldPassword);
  const kB = unwrapKb(openKeysBundle(bundleKey, keys.body.bundle as string).wrapKb, oldCreds.unwrapBKey);
  const next = stretchPassword(address, newPassword);
  return { kB, authPW: toHex(next.authPW), wrapKb: toHex(xor(kB, next.unwrapBKey)) };
}

function sessionId(sessionToken: string): string {
  return deriveTokenCredentials(fromHex(sessionToken), 'sessionToken').id;
}

async function finish(passwordChangeToken: string, body: Record<string, unknown>, query = '') {
  return hawk(fx.auth, `password/change/finish${query}`, {
    token: passwordChangeToken,
    kind: 'passwordChangeToken',
    body,
  });
}

async function registerDevice(s: SignedIn, name: string): Promise<string> {
  const res = await hawk(fx.auth, 'account/device', {
    token: s.sessionToken,
    body: { name, type: 'desktop' },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id as string;
}

async function keyRotationTimestamp(sessionToken: string): Promise<number> {
  const res = await hawk(fx.auth, 'account/scoped-key-data', {
    token: sessionToken,
    body: { client_id: FIREFOX, scope: OLDSYNC_SCOPE },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body[OLDSYNC_SCOPE as never] as unknown as { keyRotationTimestamp: number })
    .keyRotationTimestamp;
}

describe('password change start/finish', () => {
  it('a wrong old password is 400/103 and changes nothing', async () => {
    const address = email('wrong');
    const s = await signIn(fx.auth, 'create', address, 'first password');
    errorShape(await start(address, 'not the password', s.sessionToken), 400, 103);
    assert.equal((await hawk(fx.auth, 'session/status', { token: s.sessionToken })).status, 200);
    await signIn(fx.auth, 'login', address, 'first password');
  });

  it('keeps kB; the old password fails, the new works; other sessions end; this one gets a successor', async () => {
    const address = email('change');
    const a = await signIn(fx.auth, 'create', address, 'first password');
    const kB = await fetchKb(fx.auth, a);
    const b = await signIn(fx.auth, 'login', address, 'first password');
    const aDevice = await registerDevice(a, 'Firefox on A');
    const bDevice = await registerDevice(b, 'Firefox on B');
    const rotation = await keyRotationTimestamp(a.sessionToken);
    const db = fx.server.server.context.db;
    const before = (await db.transaction('read', (tx) => tx.fxaAccountByUid(a.uid)))!;

    const started = await start(address, 'first password', a.sessionToken);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.verified, true);
    assert.match(started.body.keyFetchToken as string, /^[0-9a-f]{64}$/);
    assert.match(started.body.passwordChangeToken as string, /^[0-9a-f]{64}$/);
    const tokens = started.body as unknown as Started;
    const wrapped = await rewrappedKb(address, 'first password', 'second password', tokens);
    assert.equal(toHex(wrapped.kB), toHex(kB), 'start hands out the current wrapKb');

    // The password change token is for finish only, and the key fetch token is not one.
    errorShape(
      await hawk(fx.auth, 'account/keys', { token: tokens.passwordChangeToken, kind: 'passwordChangeToken' }),
      401,
      110,
    );
    errorShape(
      await hawk(fx.auth, 'password/change/finish', {
        token: tokens.keyFetchToken,
        kind: 'keyFetchToken',
        body: { authPW: wrapped.authPW, wrapKb: wrapped.wrapKb },
      }),
      401,
      110,
    );
    // Nothing changed yet: the old password still signs in.
    await signIn(fx.auth, 'login', address, 'first password').then((s) =>
      hawk(fx.auth, 'session/destroy', { token: s.sessionToken, body: {} }),
    );

    const done = await finish(tokens.passwordChangeToken, {
      authPW: wrapped.authPW,
      wrapKb: wrapped.wrapKb,
      sessionToken: sessionId(a.sessionToken),
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.uid, a.uid);
    assert.equal(done.body.verified, true);
    assert.equal(typeof done.body.authAt, 'number');
    assert.ok(!('keyFetchToken' in done.body));
    const successor = done.body.sessionToken as string;
    assert.match(successor, /^[0-9a-f]{64}$/);
    assert.notEqual(successor, a.sessionToken);

    // Single use.
    errorShape(
      await finish(tokens.passwordChangeToken, {
        authPW: wrapped.authPW,
        wrapKb: wrapped.wrapKb,
        sessionToken: sessionId(successor),
      }),
      401,
      110,
    );

    // Every earlier session is gone (B's next accounts call is 401/110), the successor works.
    errorShape(await hawk(fx.auth, 'account/devices', { token: b.sessionToken }), 401, 110);
    errorShape(await hawk(fx.auth, 'session/status', { token: a.sessionToken }), 401, 110);
    assert.equal((await hawk(fx.auth, 'session/status', { token: successor })).status, 200);

    // A's device moved to the successor (same id); B's stays listed, bound to no session.
    const devices = await hawk(fx.auth, 'account/devices', { token: successor });
    assert.equal(devices.status, 200);
    const current = new Map(
      (devices.body as unknown as { id: string; isCurrentDevice: boolean }[]).map((d) => [
        d.id,
        d.isCurrentDevice,
      ]),
    );
    assert.equal(current.get(aDevice), true);
    assert.equal(current.get(bDevice), false);
    const rows = await db.transaction('read', (tx) => tx.fxaDevices(a.uid));
    assert.equal(rows.find((d) => d.id === aDevice)!.sessionId, sessionId(successor));
    assert.equal(rows.find((d) => d.id === bDevice)!.sessionId, null);

    // The old password fails, the new one gives the same kB and the same key rotation time.
    errorShape(
      await post(fx.auth, 'account/login', { email: address, authPW: authPW(address, 'first password') }),
      400,
      103,
    );
    const again = await signIn(fx.auth, 'login', address, 'second password');
    assert.equal(toHex(await fetchKb(fx.auth, again)), toHex(kB), 'kB is unchanged');
    assert.equal(await keyRotationTimestamp(successor), rotation, 'keysChangedAt is unchanged');
    const changed = (await db.transaction('read', (tx) => tx.fxaAccountByUid(a.uid)))!;
    assert.equal(changed.keysChangedAt, before.keysChangedAt);
    assert.ok(changed.verifierSetAt > before.verifierSetAt);

    // B re-enters the new password: its stored device id binds to its new session again.
    const b2 = await signIn(fx.auth, 'login', address, 'second password');
    assert.equal(toHex(await fetchKb(fx.auth, b2)), toHex(kB), 'B reads the old data after signing in again');
    const rebound = await hawk(fx.auth, 'account/device', { token: b2.sessionToken, body: { id: bDevice } });
    assert.equal(rebound.status, 200, JSON.stringify(rebound.body));
    assert.equal(rebound.body.isCurrentDevice, true);
  });

  it('?keys=true on finish also gives a key fetch token of the re-wrapped kB', async () => {
    const address = email('keys');
    const a = await signIn(fx.auth, 'create', address, 'first password');
    const kB = await fetchKb(fx.auth, a);
    const tokens = (await start(address, 'first password', a.sessionToken)).body as unknown as Started;
    const wrapped = await rewrappedKb(address, 'first password', 'second password', tokens);
    const done = await finish(
      tokens.passwordChangeToken,
      { authPW: wrapped.authPW, wrapKb: wrapped.wrapKb, sessionToken: sessionId(a.sessionToken) },
      '?keys=true',
    );
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const next: SignedIn = {
      uid: a.uid,
      sessionToken: done.body.sessionToken as string,
      keyFetchToken: done.body.keyFetchToken as string,
      unwrapBKey: stretchPassword(address, 'second password').unwrapBKey,
    };
    assert.equal(toHex(await fetchKb(fx.auth, next)), toHex(kB));
  });

  it('refusals: another account’s e-mail or session, no payload hash, no session named', async () => {
    const address = email('refuse');
    const other = email('other');
    const a = await signIn(fx.auth, 'create', address, 'first password');
    const o = await signIn(fx.auth, 'create', other, 'other password');
    errorShape(
      await hawk(fx.auth, 'password/change/start', {
        token: a.sessionToken,
        body: { email: other, oldAuthPW: authPW(other, 'other password') },
      }),
      401,
      110,
    );
    errorShape(await hawk(fx.auth, 'password/change/start', { token: a.sessionToken, body: {} }), 400, 108);

    const tokens = (await start(address, 'first password', a.sessionToken)).body as unknown as Started;
    const wrapped = await rewrappedKb(address, 'first password', 'second password', tokens);
    // A session of another account cannot be handed the successor.
    errorShape(
      await finish(tokens.passwordChangeToken, {
        authPW: wrapped.authPW,
        wrapKb: wrapped.wrapKb,
        sessionToken: sessionId(o.sessionToken),
      }),
      401,
      110,
    );
    // FxA requires the payload hash on finish.
    const url = new URL('password/change/finish', fx.auth);
    const { hawkHeader } = await import('./fxa-client.js');
    const body = JSON.stringify({ authPW: wrapped.authPW, wrapKb: wrapped.wrapKb });
    const unhashed = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: hawkHeader(url, {
          token: tokens.passwordChangeToken,
          kind: 'passwordChangeToken',
          method: 'POST',
        }),
      },
      body,
    });
    assert.equal(unhashed.status, 401);
    // The refused attempts left the token usable; naming no session is FxA's legacy answer {}.
    const legacy = await finish(tokens.passwordChangeToken, {
      authPW: wrapped.authPW,
      wrapKb: wrapped.wrapKb,
    });
    assert.equal(legacy.status, 200, JSON.stringify(legacy.body));
    assert.deepEqual(legacy.body, {});
    errorShape(await hawk(fx.auth, 'session/status', { token: a.sessionToken }), 401, 110);
    assert.equal(
      (await hawk(fx.auth, 'session/status', { token: o.sessionToken })).status,
      200,
      'other accounts untouched',
    );
    const s = await signIn(fx.auth, 'login', address, 'second password');
    assert.equal(s.uid, a.uid);
  });
});

describe('password change token lifetime', () => {
  let clocked: TestServer;
  let offset = 0;

  before(async () => {
    clocked = await startTestServer({}, { clock: () => Date.now() + offset });
  });
  after(async () => clocked.close());

  it('a token older than five minutes is refused with 401/110', async () => {
    const base = `${clocked.url}auth/v1/`;
    const address = email('late');
    const a = await signIn(base, 'create', address, 'first password');
    const started = await hawk(base, 'password/change/start', {
      token: a.sessionToken,
      body: { email: address, oldAuthPW: authPW(address, 'first password') },
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    offset = 6 * 60 * 1000;
    const next = stretchPassword(address, 'second password');
    const late = await hawk(base, 'password/change/finish', {
      token: started.body.passwordChangeToken as string,
      kind: 'passwordChangeToken',
      ts: Math.floor((Date.now() + offset) / 1000),
      body: { authPW: toHex(next.authPW), wrapKb: toHex(randomBytes(32)) },
    });
    errorShape(late, 401, 110);
    offset = 0;
    await signIn(base, 'login', address, 'first password');
  });
});

describe('the changing Firefox’s queue across a password change (issue 12 review, item 1)', () => {
  const SEND_TAB = 'https://identity.mozilla.com/cmd/open-uri';
  const sendTab = (s: SignedIn, target: string) =>
    hawk(fx.auth, 'account/devices/invoke_command', {
      token: s.sessionToken,
      body: { command: SEND_TAB, target, payload: { encrypted: randomBytes(60).toString('base64url') } },
    });
  const fetchCommands = async (sessionToken: string, index: number) => {
    const res = await hawk(fx.auth, `account/device/commands?index=${index}`, { token: sessionToken });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.messages as { index: number }[]).map((m) => m.index);
  };

  it('what its Firefox was handed is not replayed from index 0; what it was not handed, and new tabs, are', async () => {
    const address = email('replay');
    const a = await signIn(fx.auth, 'create', address, 'first password');
    const b = await signIn(fx.auth, 'login', address, 'first password');
    const commands = { availableCommands: { [SEND_TAB]: 'bundle' } };
    const aReg = await hawk(fx.auth, 'account/device', {
      token: a.sessionToken,
      body: { name: 'A', type: 'desktop', ...commands },
    });
    const aDevice = aReg.body.id as string;
    await registerDevice(b, 'B');

    assert.equal((await sendTab(b, aDevice)).status, 200);
    assert.equal((await sendTab(b, aDevice)).status, 200);
    const handed = await fetchCommands(a.sessionToken, 0);
    assert.equal(handed.length, 2, 'A fetches the two tabs');
    assert.equal((await sendTab(b, aDevice)).status, 200);
    const waiting = (await fetchCommands(a.sessionToken, handed.at(-1)! + 1))[0]!;
    // That poll returned it, so it counts as handed too; one more is sent and not fetched.
    assert.equal((await sendTab(b, aDevice)).status, 200);

    const tokens = (await start(address, 'first password', a.sessionToken)).body as unknown as Started;
    const wrapped = await rewrappedKb(address, 'first password', 'second password', tokens);
    const done = await finish(tokens.passwordChangeToken, {
      authPW: wrapped.authPW,
      wrapKb: wrapped.wrapKb,
      sessionToken: sessionId(a.sessionToken),
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const successor = done.body.sessionToken as string;
    // Firefox forgets its device and its lastCommandIndex, registers again, and asks from 0.
    const again = await hawk(fx.auth, 'account/device', {
      token: successor,
      body: { name: 'A', ...commands },
    });
    assert.equal(again.body.id, aDevice, 'same device');
    const afterChange = await fetchCommands(successor, 0);
    assert.equal(afterChange.length, 1, 'only the tab never handed out comes');
    assert.ok(afterChange[0]! > waiting);

    const b2 = await signIn(fx.auth, 'login', address, 'second password');
    assert.equal((await sendTab(b2, aDevice)).status, 200);
    const fresh = await fetchCommands(successor, afterChange[0]! + 1);
    assert.equal(fresh.length, 1, 'a new tab arrives');
    assert.deepEqual(await fetchCommands(successor, 0), [...afterChange, ...fresh]);
  });
});

describe('one answer for "the password changed meanwhile" (issue 12 review, item 7)', () => {
  it('start after another change is 400/103; finish with a token from before it is 401/110 as in FxA', async () => {
    const address = email('meanwhile');
    const a = await signIn(fx.auth, 'create', address, 'first password');
    const b = await signIn(fx.auth, 'login', address, 'first password');
    const fromB = (await start(address, 'first password', b.sessionToken)).body as unknown as Started;
    const fromA = (await start(address, 'first password', a.sessionToken)).body as unknown as Started;
    const wrapped = await rewrappedKb(address, 'first password', 'second password', fromA);
    const done = await finish(fromA.passwordChangeToken, {
      authPW: wrapped.authPW,
      wrapKb: wrapped.wrapKb,
      sessionToken: sessionId(a.sessionToken),
    });
    assert.equal(done.status, 200);
    // B's token went with every other token of the account, as FxA's resetAccount deletes it.
    errorShape(
      await finish(fromB.passwordChangeToken, { authPW: wrapped.authPW, wrapKb: wrapped.wrapKb }),
      401,
      110,
    );
    const successor = done.body.sessionToken as string;
    errorShape(await start(address, 'first password', successor), 400, 103);

    // Between a check and its write (the row read before the other change): the same 400/103.
    const stale = (await fx.server.server.context.db.transaction('read', (tx) =>
      tx.fxaAccountByEmail(address),
    ))!;
    const accounts = new LocalAccounts(fx.server.server.context);
    await accounts.resetPassword(a.uid, 'owner reset');
    const meanwhile = { status: 400, errno: 103 };
    await assert.rejects(accounts.startPasswordChange(stale, new Uint8Array(32), Date.now()), meanwhile);
    await assert.rejects(accounts.signIn(stale, Date.now(), null), meanwhile);
    const newAuthPW = stretchPassword(address, 'directory password').authPW;
    await assert.rejects(accounts.replaceDirectoryPassword(stale, newAuthPW, null), meanwhile);
  });
});
