import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { STANDING_GRACE_MS, STANDING_TTL_MS } from '../../server/fxa/directory-link.js';
import {
  OLDSYNC_SCOPE,
  deriveOldsyncKey,
  deriveTokenCredentials,
  fromHex,
  openKeysBundle,
  stretchPassword,
  toHex,
  unwrapKb,
} from '../../server/fxa/crypto/index.js';
import { xor } from '../../server/fxa/crypto/bytes.js';
import {
  LDAP_SYNC_GROUP,
  PEOPLE,
  slapdSkipReason,
  startSlapd,
  type TestPerson,
  type TestSlapd,
} from '../helpers/slapd.js';
import { setDirectoryPassword, testDirectorySettings } from '../helpers/slapd-directory.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { FakeClock } from '../helpers/sync11-client.js';
import { FIREFOX, hawk, hawkHeader, post } from '../protocol/fxa-client.js';

/**
 * Local accounts (current Firefox) over the household directory (issue 14 item 3): the sign-in
 * page's `/account/directory/login` binds with the directory password and keeps only the onepw
 * verifier; a changed directory password keeps kB when the previous one is given; a person
 * taken out of the group gets no new tokens and their sessions end; a directory that cannot
 * answer is 503 with Retry-After. Real slapd, real HTTP, the server on a fake clock that starts
 * at the real time (Hawk timestamps are signed from it) so the standing cache can be passed.
 */

interface Attempt {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

interface Session {
  uid: string;
  sessionToken: string;
  kB: Uint8Array;
}

describe('local accounts over an LDAP directory', { skip: slapdSkipReason() }, () => {
  let slapd: TestSlapd;
  let server: TestServer;
  let auth: string;
  const clock = new FakeClock(Date.now());
  const ts = () => Math.floor(clock.ms / 1000);

  before(async () => {
    slapd = await startSlapd();
    server = await startTestServer(
      {
        // Sign-ups closed: the directory decides who has an account, not this switch.
        allowNewUsers: false,
        directory: testDirectorySettings(slapd, { check_account_state: 'true' }),
      },
      { clock: clock.now },
    );
    auth = `${server.url}auth/v1/`;
  });
  after(async () => {
    await server?.close();
    await slapd?.close();
  });

  /** What the page sends: the stretch of `password` with `email`, and the password itself. */
  async function attempt(
    name: string,
    email: string,
    password: string,
    extra: { previous?: string; reset?: boolean } = {},
  ): Promise<Attempt> {
    const s = stretchPassword(email, password);
    const body: Record<string, unknown> = {
      name,
      email,
      authPW: toHex(s.authPW),
      directoryPassword: password,
    };
    if (extra.previous !== undefined) {
      const p = stretchPassword(email, extra.previous);
      body.previousAuthPW = toHex(p.authPW);
      body.keyDelta = toHex(xor(p.unwrapBKey, s.unwrapBKey));
    }
    if (extra.reset) body.reset = true;
    const res = await fetch(`${auth}account/directory/login?keys=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  }

  /** A successful sign-in and the kB its key fetch token unwraps to. */
  async function signedIn(result: Attempt, email: string, password: string): Promise<Session> {
    assert.equal(result.status, 200, JSON.stringify(result.body));
    const keyFetchToken = result.body.keyFetchToken as string;
    const keys = await hawk(auth, 'account/keys', { token: keyFetchToken, kind: 'keyFetchToken', ts: ts() });
    assert.equal(keys.status, 200);
    const bundleKey = deriveTokenCredentials(fromHex(keyFetchToken), 'keyFetchToken').extra;
    const { wrapKb } = openKeysBundle(bundleKey, keys.body.bundle as string);
    return {
      uid: result.body.uid as string,
      sessionToken: result.body.sessionToken as string,
      kB: unwrapKb(wrapKb, stretchPassword(email, password).unwrapBKey),
    };
  }

  async function login(person: TestPerson, password = person.password): Promise<Session> {
    return signedIn(await attempt(person.uid, person.mail, password), person.mail, password);
  }

  async function keysChangedAt(s: Session): Promise<number> {
    const data = await hawk(auth, 'account/scoped-key-data', {
      token: s.sessionToken,
      ts: ts(),
      body: { client_id: FIREFOX, scope: OLDSYNC_SCOPE },
    });
    assert.equal(data.status, 200, JSON.stringify(data.body));
    return (data.body[OLDSYNC_SCOPE as never] as unknown as { keyRotationTimestamp: number })
      .keyRotationTimestamp;
  }

  async function accessToken(
    s: Session,
  ): Promise<{ status: number; token: string | null; headers?: Headers }> {
    const res = await hawk(auth, 'oauth/token', {
      token: s.sessionToken,
      ts: ts(),
      body: { client_id: FIREFOX, grant_type: 'fxa-credentials', scope: OLDSYNC_SCOPE, ttl: 21600 },
    });
    return { status: res.status, token: res.status === 200 ? (res.body.access_token as string) : null };
  }

  async function tokenserver(token: string, kid: string): Promise<Response> {
    return fetch(`${server.url}1.0/sync/1.5`, {
      headers: { authorization: `Bearer ${token}`, 'x-keyid': kid, accept: 'application/json' },
    });
  }

  const setPassword = (person: TestPerson, password: string) => setDirectoryPassword(slapd, person, password);

  const membership = (person: TestPerson, operation: 'add' | 'delete') =>
    slapd.asAdmin((admin) =>
      admin.modify(LDAP_SYNC_GROUP, [
        new Change({ operation, modification: new Attribute({ type: 'member', values: [person.dn] }) }),
      ]),
    );

  it('first sign-in creates the account under the directory mail (sign-ups closed); a later one finds it', async () => {
    const { alice } = PEOPLE;
    // The page stretched with the typed name: told the address to stretch with instead.
    const typed = await attempt(alice.uid, alice.uid, alice.password);
    assert.equal(typed.status, 400);
    assert.equal(typed.body.errno, 120);
    assert.equal(typed.body.email, alice.mail);

    const first = await login(alice);
    assert.match(first.uid, /^[0-9a-f]{32}$/u);
    const status = await post(auth, 'account/status', { email: alice.mail });
    assert.equal(status.body.exists, true);
    // Sign-ups stay closed for everyone else.
    const signup = await post(auth, 'account/create', {
      email: 'stranger@foxden.test',
      authPW: '0'.repeat(64),
    });
    assert.equal(signup.status, 403);
    assert.match(String(signup.body.message), /come from the household directory/u);

    const again = await login(alice);
    assert.equal(again.uid, first.uid);
    assert.deepEqual(again.kB, first.kB);
    // The address typed as the name works as well.
    const byMail = await signedIn(
      await attempt(alice.mail, alice.mail, alice.password),
      alice.mail,
      alice.password,
    );
    assert.equal(byMail.uid, first.uid);

    const access = await accessToken(again);
    assert.equal(access.status, 200);
    const kid = deriveOldsyncKey(again.kB, await keysChangedAt(again)).kid;
    assert.equal((await tokenserver(access.token!, kid)).status, 200);
  });

  it('refuses a wrong directory password, an unknown name, a disabled person and one outside the group', async () => {
    const { bjorn, carol, dave, erin } = PEOPLE;
    const wrong = await attempt(bjorn.uid, bjorn.mail, 'not-the-password');
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.errno, 103);
    const unknown = await attempt('nobody', 'nobody@foxden.test', 'whatever');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.errno, 103, 'an unknown name reads like a wrong password');
    // Outside the group is said after the bind; a disabled person gets no bind, so they read as
    // a wrong password (their state cannot be probed without it).
    const outside = await attempt(dave.uid, dave.mail, dave.password);
    assert.equal(outside.status, 403, JSON.stringify(outside.body));
    assert.match(String(outside.body.message), /may not use this Foxden server/u);
    for (const person of [carol, erin]) {
      const refused = await attempt(person.uid, person.mail, person.password);
      assert.equal(refused.status, 400, `${person.uid}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.errno, 103);
    }
    for (const person of [carol, dave, erin])
      assert.equal((await post(auth, 'account/status', { email: person.mail })).body.exists, false);
    const injected = await attempt('*', 'x@foxden.test', '*');
    assert.equal(injected.status, 400);
    assert.equal(injected.body.errno, 103);
  });

  it('a changed directory password keeps kB when the previous password is given', async () => {
    const { alice } = PEOPLE;
    const before = await login(alice);
    const changedAt = await keysChangedAt(before);
    const fresh = 'alice-new-secret';
    await setPassword(alice, fresh);
    try {
      assert.equal(
        (await attempt(alice.uid, alice.mail, alice.password)).status,
        400,
        'the old one no longer binds',
      );
      // Nor through the plain login with the verifier of the last directory sign-in (H1).
      const plain = await post(auth, 'account/login', {
        email: alice.mail,
        authPW: toHex(stretchPassword(alice.mail, alice.password).authPW),
      });
      assert.equal(plain.status, 400, JSON.stringify(plain.body));
      assert.equal(plain.body.errno, 202);
      assert.equal(plain.body.directorySignIn, true);
      assert.match(String(plain.body.message), /directory password on the sign-in page/u);
      assert.equal(plain.body.sessionToken, undefined);
      const asked = await attempt(alice.uid, alice.mail, fresh);
      assert.equal(asked.status, 400);
      assert.equal(asked.body.errno, 103);
      assert.equal(asked.body.directoryPasswordChanged, true);
      const wrongPrevious = await attempt(alice.uid, alice.mail, fresh, { previous: 'not-it' });
      assert.equal(wrongPrevious.body.previousPasswordIncorrect, true);

      const kept = await signedIn(
        await attempt(alice.uid, alice.mail, fresh, { previous: alice.password }),
        alice.mail,
        fresh,
      );
      assert.equal(kept.uid, before.uid);
      assert.deepEqual(kept.kB, before.kB, 'the same kB, re-wrapped with the new password');
      assert.equal(await keysChangedAt(kept), changedAt);
      // Sessions of the previous password ended, as in a password change.
      const old = await hawk(auth, 'session/status', { token: before.sessionToken, ts: ts() });
      assert.equal(old.status, 401);
      const later = await login(alice, fresh);
      assert.deepEqual(later.kB, before.kB);
    } finally {
      await setPassword(alice, alice.password);
    }
    // Back to the first password: kB kept again through the previous (second) password.
    const back = await signedIn(
      await attempt(alice.uid, alice.mail, alice.password, { previous: fresh }),
      alice.mail,
      alice.password,
    );
    assert.deepEqual(back.kB, before.kB);
  });

  it('a changed directory password without the previous one: a reset gives new keys', async () => {
    const { bjorn } = PEOPLE;
    const before = await login(bjorn);
    const changedAt = await keysChangedAt(before);
    const fresh = 'björn-neues-pässwort';
    await setPassword(bjorn, fresh);
    try {
      const asked = await attempt(bjorn.uid, bjorn.mail, fresh);
      assert.equal(asked.body.directoryPasswordChanged, true);
      clock.advance(1000);
      const reset = await signedIn(
        await attempt(bjorn.uid, bjorn.mail, fresh, { reset: true }),
        bjorn.mail,
        fresh,
      );
      assert.equal(reset.uid, before.uid);
      assert.notDeepEqual(reset.kB, before.kB, 'new keys: data synced so far is unreadable');
      assert.ok((await keysChangedAt(reset)) > changedAt);
      assert.equal(
        (await hawk(auth, 'session/status', { token: before.sessionToken, ts: ts() })).status,
        401,
      );
      assert.deepEqual((await login(bjorn, fresh)).kB, reset.kB);
    } finally {
      await setPassword(bjorn, bjorn.password);
    }
  });

  it('keeps the address of the first sign-in when the directory mail changes; the account page cannot change the password', async () => {
    const { alice } = PEOPLE;
    const before = await login(alice);
    const moved = 'alice.moved@foxden.test';
    const setMail = (mail: string) =>
      slapd.asAdmin((admin) =>
        admin.modify(alice.dn, [
          new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: [mail] }) }),
        ]),
      );
    await setMail(moved);
    try {
      // The address is the onepw salt: the page is told the account's own, not the new one.
      const typed = await attempt(alice.uid, moved, alice.password);
      assert.equal(typed.status, 400);
      assert.equal(typed.body.errno, 120);
      assert.equal(typed.body.email, alice.mail);
      const after = await login(alice);
      assert.equal(after.uid, before.uid);
      assert.deepEqual(after.kB, before.kB);
    } finally {
      await setMail(alice.mail);
    }

    const start = await hawk(auth, 'password/change/start', {
      token: before.sessionToken,
      ts: ts(),
      body: { email: alice.mail, oldAuthPW: toHex(stretchPassword(alice.mail, alice.password).authPW) },
    });
    assert.equal(start.status, 400);
    assert.equal(start.body.errno, 202);
    assert.match(String(start.body.message), /household directory/u);
  });

  it('taken out of the group: no new tokens within the standing cache, sessions end; back in, signs in again', async () => {
    const { alice } = PEOPLE;
    const s = await login(alice);
    const access = await accessToken(s);
    assert.equal(access.status, 200);
    const kid = deriveOldsyncKey(s.kB, await keysChangedAt(s)).kid;
    await membership(alice, 'delete');
    try {
      clock.advance(STANDING_TTL_MS + 1000);
      const sync = await tokenserver(access.token!, kid);
      assert.equal(sync.status, 401, 'no new Sync token for an access token issued before');
      assert.equal((await accessToken(s)).status, 401, 'no new access token from the session');
      assert.equal((await hawk(auth, 'session/status', { token: s.sessionToken, ts: ts() })).status, 401);
      const again = await attempt(alice.uid, alice.mail, alice.password);
      assert.equal(again.status, 403);
      // Nor through the plain login with the verifier Foxden keeps: only a bind signs in.
      const plain = await post(auth, 'account/login', {
        email: alice.mail,
        authPW: toHex(stretchPassword(alice.mail, alice.password).authPW),
      });
      assert.equal(plain.status, 400, JSON.stringify(plain.body));
      assert.equal(plain.body.errno, 202);
    } finally {
      await membership(alice, 'add');
    }
    const back = await login(alice);
    assert.equal(back.uid, s.uid);
    assert.deepEqual(back.kB, s.kB);
    assert.equal((await accessToken(back)).status, 200);
  });

  it('renamed in the directory (modrdn): past the standing cache the session stays, and the new name signs in', async () => {
    const { alice } = PEOPLE;
    const s = await login(alice);
    const renamed = `uid=alicia,${alice.dn.slice(alice.dn.indexOf(',') + 1)}`;
    const rename = async (from: string, to: string, rdn: string) => {
      await slapd.asAdmin((admin) => admin.modifyDN(from, rdn));
      // The test directory keeps groups by DN without referential integrity: moved by hand.
      await slapd.asAdmin((admin) =>
        admin.modify(LDAP_SYNC_GROUP, [
          new Change({
            operation: 'delete',
            modification: new Attribute({ type: 'member', values: [from] }),
          }),
          new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [to] }) }),
        ]),
      );
    };
    await rename(alice.dn, renamed, 'uid=alicia');
    try {
      clock.advance(STANDING_TTL_MS + 1000);
      const status = await hawk(auth, 'session/status', { token: s.sessionToken, ts: ts() });
      assert.equal(status.status, 200, JSON.stringify(status.body));
      const again = await signedIn(
        await attempt('alicia', alice.mail, alice.password),
        alice.mail,
        alice.password,
      );
      assert.equal(again.uid, s.uid);
      assert.deepEqual(again.kB, s.kB);
    } finally {
      await rename(renamed, alice.dn, 'uid=alice');
    }
  });

  it('an address another directory person has is told apart from an own account', async () => {
    const { frank, grace } = PEOPLE;
    await login(frank);
    const second = await attempt(grace.uid, grace.mail, grace.password);
    assert.equal(second.status, 400, JSON.stringify(second.body));
    assert.equal(second.body.errno, 101);
    assert.match(String(second.body.message), /Another person of the directory/u);
  });

  it('every spelling of a name shares one budget of failed binds, which trips before the directory sees a fifth', async () => {
    const { grace } = PEOPLE;
    for (const name of [' grace', 'GRACE ', 'grace', 'Grace'])
      assert.equal((await attempt(name, grace.mail, 'not-it')).body.errno, 103, name);
    // The right password now: refused before any bind (a bind would succeed and say more).
    const refused = await attempt('grace', grace.mail, grace.password);
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    assert.equal(refused.body.errno, 114);
    clock.advance(15 * 60 * 1000 + 1000);
    const later = await attempt('grace', grace.mail, grace.password);
    assert.equal(later.body.errno, 101, 'bound again once the window passed');
  });

  it('directory down: sign-in 503; sessions and the tokenserver keep the last good standing for the grace period, then 503; then back', async () => {
    const { alice } = PEOPLE;
    const s = await login(alice);
    const access = await accessToken(s);
    const kid = deriveOldsyncKey(s.kB, await keysChangedAt(s)).kid;
    await slapd.stop();
    try {
      clock.advance(STANDING_TTL_MS + 1000);
      const signIn = await attempt(alice.uid, alice.mail, alice.password);
      assert.equal(signIn.status, 503, JSON.stringify(signIn.body));
      assert.equal(signIn.body.errno, 201);
      assert.ok(Number(signIn.headers.get('retry-after')) > 0);
      assert.equal((await hawk(auth, 'session/status', { token: s.sessionToken, ts: ts() })).status, 200);
      assert.equal((await tokenserver(access.token!, kid)).status, 200, 'still syncing in the outage');
      clock.advance(STANDING_GRACE_MS);
      const sync = await tokenserver(access.token!, kid);
      assert.equal(sync.status, 503);
      assert.equal(sync.headers.get('retry-after'), '30');
      assert.equal(((await sync.json()) as { status: string }).status, 'error', 'not internal-error');
      const session = await fetch(`${auth}session/status`, {
        headers: {
          authorization: hawkHeader(new URL(`${auth}session/status`), { token: s.sessionToken, ts: ts() }),
        },
      });
      assert.equal(session.status, 503);
      assert.ok(Number(session.headers.get('retry-after')) > 0);
    } finally {
      await slapd.start();
    }
    assert.equal((await hawk(auth, 'session/status', { token: s.sessionToken, ts: ts() })).status, 200);
    assert.equal((await tokenserver(access.token!, kid)).status, 200);
  });
});
