import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { OLDSYNC_SCOPE, deriveOldsyncKey, fromB64url, toHex } from '../../server/fxa/crypto/index.js';
import { LocalAccounts } from '../../server/fxa/local-accounts.js';
import { signingKeyFor } from '../../server/fxa/signing-key.js';
import { hawkFetch } from '../helpers/sync15-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  FIREFOX,
  authorize,
  decryptKeysJwe,
  fetchKb,
  hawk,
  post,
  signIn,
  syncAccessToken,
} from './fxa-client.js';

let server: TestServer;
let auth: string;
let offsetMs = 0;
const clock = () => Date.now() + offsetMs;
const serverTs = () => Math.floor(clock() / 1000);

before(async () => {
  server = await startTestServer({}, { clock });
  auth = `${server.url}auth/v1/`;
});
after(async () => server.close());

const email = (name: string) => `${name}-${randomBytes(3).toString('hex')}@example.org`;

/** The authorization_code grant (spec §4.1 #6a), Hawk-signed with a session token. */
function exchangeCode(sessionToken: string, code: string, codeVerifier: string, ts?: number) {
  return hawk(auth, 'oauth/token', {
    token: sessionToken,
    ...(ts === undefined ? {} : { ts }),
    body: { client_id: FIREFOX, grant_type: 'authorization_code', code, code_verifier: codeVerifier },
  });
}

async function tokenserver(accessToken: string, kid: string): Promise<Response> {
  return fetch(`${server.url}1.0/sync/1.5`, {
    headers: { authorization: `Bearer ${accessToken}`, 'x-keyid': kid, accept: 'application/json' },
  });
}

describe('fxa OAuth (spec §4.1 #5–7)', () => {
  it('authorization_code: PKCE checked, keys_jwe passed through and decryptable, refresh token destroyable', async () => {
    const s = await signIn(auth, 'create', email('oauth'), 'correct horse');
    const kB = await fetchKb(auth, s);
    const a = await authorize(auth, s, kB);
    const bad = await exchangeCode(s.sessionToken, a.code, 'x'.repeat(43));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errno, 1117, 'PKCE mismatch refused');
    // The failed attempt consumed the code: single use whatever the outcome.
    const reuse = await exchangeCode(s.sessionToken, a.code, a.flow.verifier);
    assert.equal(reuse.body.errno, 1105);

    const b = await authorize(auth, s, kB);
    const ok = await exchangeCode(s.sessionToken, b.code, b.flow.verifier);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.token_type, 'bearer');
    assert.equal(ok.body.scope, `${OLDSYNC_SCOPE} profile`);
    assert.equal(typeof ok.body.refresh_token, 'string');
    assert.ok(!('error' in ok.body));
    const keys = decryptKeysJwe(b.flow.secretKey, ok.body.keys_jwe as string);
    assert.deepEqual(keys[OLDSYNC_SCOPE], deriveOldsyncKey(kB, b.keysChangedAt));

    const again = await exchangeCode(s.sessionToken, b.code, b.flow.verifier);
    assert.equal(again.status, 400);
    assert.equal(again.body.errno, 1105, 'a used code is refused');

    const refreshed = await post(auth, 'oauth/token', {
      client_id: FIREFOX,
      grant_type: 'refresh_token',
      refresh_token: ok.body.refresh_token,
    });
    assert.equal(refreshed.status, 200);
    assert.equal(
      (await post(auth, 'oauth/destroy', { client_id: FIREFOX, token: ok.body.refresh_token })).status,
      200,
    );
    assert.equal((await post(auth, 'oauth/destroy', { client_id: FIREFOX, token: 'unknown' })).status, 200);
    const dead = await post(auth, 'oauth/token', {
      client_id: FIREFOX,
      grant_type: 'refresh_token',
      refresh_token: ok.body.refresh_token,
    });
    assert.equal(dead.body.errno, 1108);
  });

  it('an expired code is refused', async () => {
    const s = await signIn(auth, 'create', email('expire'), 'pw');
    const a = await authorize(auth, s, await fetchKb(auth, s));
    offsetMs += 11 * 60 * 1000;
    try {
      const res = await exchangeCode(s.sessionToken, a.code, a.flow.verifier, serverTs());
      assert.equal(res.status, 400);
      assert.equal(res.body.errno, 1107);
    } finally {
      offsetMs = 0;
    }
  });

  it('authorization refuses a missing PKCE challenge and unknown scopes', async () => {
    const s = await signIn(auth, 'create', email('nopkce'), 'pw');
    const kB = await fetchKb(auth, s);
    await assert.rejects(authorize(auth, s, kB, { code_challenge_method: 'plain' }), /1118/);
    await assert.rejects(authorize(auth, s, kB, { scope: 'https://identity.mozilla.com/apps/send' }), /1114/);
  });

  it('the authorization_code grant needs the same account’s session', async () => {
    const s = await signIn(auth, 'create', email('owner'), 'pw');
    const other = await signIn(auth, 'create', email('other'), 'pw');
    const a = await authorize(auth, s, await fetchKb(auth, s));
    const res = await exchangeCode(other.sessionToken, a.code, a.flow.verifier);
    assert.equal(res.body.errno, 1106);
  });
});

describe('Foxden access tokens at the tokenserver (spec §6)', () => {
  it('signup → login → oauth token → tokenserver → Hawk storage request', async () => {
    const address = email('sync');
    await signIn(auth, 'create', address, 'sesame');
    const s = await signIn(auth, 'login', address, 'sesame');
    const kB = await fetchKb(auth, s);
    const a = await authorize(auth, s, kB);
    const token = await syncAccessToken(auth, s.sessionToken);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    assert.equal(header.typ, 'at+JWT');
    assert.equal(header.alg, 'RS256');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    assert.equal(claims.sub, s.uid);
    assert.equal(claims.scope, OLDSYNC_SCOPE);
    assert.equal(claims.client_id, FIREFOX);
    assert.ok((claims['fxa-generation'] as number) >= a.keysChangedAt);

    const res = await tokenserver(token, a.kid);
    const body = (await res.json()) as {
      id: string;
      key: string;
      uid: number;
      api_endpoint: string;
      duration: number;
    };
    assert.equal(res.status, 200, JSON.stringify(body));
    for (const field of ['id', 'key', 'uid', 'api_endpoint', 'duration'] as const)
      assert.ok(body[field] !== undefined, field);

    const put = await hawkFetch(`${body.api_endpoint}/storage/meta/global`, {
      method: 'PUT',
      body: { payload: '{"syncID":"abc","storageVersion":5}' },
      credentials: { id: body.id, key: body.key },
    });
    assert.equal(put.status, 200);
    const get = await hawkFetch(`${body.api_endpoint}/storage/meta/global`, {
      credentials: { id: body.id, key: body.key },
    });
    assert.equal(get.status, 200);
    assert.equal(((await get.json()) as { payload: string }).payload, '{"syncID":"abc","storageVersion":5}');

    // A second sign-in derives the same kB, so the same kid and the same storage user.
    const again = await signIn(auth, 'login', address, 'sesame');
    assert.equal(toHex(await fetchKb(auth, again)), toHex(kB));
    const res2 = await tokenserver(await syncAccessToken(auth, again.sessionToken), a.kid);
    assert.equal(((await res2.json()) as { uid: number }).uid, body.uid);
  });

  it('after an admin reset: the old access token is refused, the new kid gets new, empty storage', async () => {
    const address = email('reset');
    const s = await signIn(auth, 'create', address, 'before');
    const a = await authorize(auth, s, await fetchKb(auth, s));
    const oldToken = await syncAccessToken(auth, s.sessionToken);
    const first = (await (await tokenserver(oldToken, a.kid)).json()) as { uid: number };
    await new LocalAccounts(server.server.context).resetPassword(s.uid, 'after');
    assert.equal((await tokenserver(oldToken, a.kid)).status, 401);
    const t = await signIn(auth, 'login', address, 'after');
    const b = await authorize(auth, t, await fetchKb(auth, t));
    assert.notEqual(b.kid, a.kid);
    const res = await tokenserver(await syncAccessToken(auth, t.sessionToken), b.kid);
    const second = (await res.json()) as { uid: number };
    assert.equal(res.status, 200, JSON.stringify(second));
    assert.notEqual(second.uid, first.uid);
  });

  it('accepted even with sign-ups closed (the account was admitted at creation)', async () => {
    const accounts = new LocalAccounts(server.server.context);
    const address = email('closed');
    await accounts.create(address, 'pw');
    server.config.allowNewUsers = false;
    try {
      const s = await signIn(auth, 'login', address, 'pw');
      const kB = await fetchKb(auth, s);
      const a = await authorize(auth, s, kB);
      const res = await tokenserver(await syncAccessToken(auth, s.sessionToken), a.kid);
      assert.equal(res.status, 200);
    } finally {
      server.config.allowNewUsers = true;
    }
  });

  describe('refusals', () => {
    let s: Awaited<ReturnType<typeof signIn>>;
    let kid: string;
    before(async () => {
      s = await signIn(auth, 'create', email('refuse'), 'pw');
      kid = (await authorize(auth, s, await fetchKb(auth, s))).kid;
    });

    function forge(o: {
      header?: Record<string, unknown>;
      claims?: Record<string, unknown>;
      key?: 'ours' | 'other';
    }): string {
      const ours = signingKeyFor(server.dataDir);
      const now = Math.floor(Date.now() / 1000);
      const h = { alg: 'RS256', typ: 'at+JWT', kid: ours.kid, ...o.header };
      const c = {
        sub: s.uid,
        scope: OLDSYNC_SCOPE,
        exp: now + 600,
        iat: now,
        client_id: FIREFOX,
        'fxa-generation': Date.now() + 60_000,
        iss: server.url.replace(/\/$/, ''),
        ...o.claims,
      };
      const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const signed = `${enc(h)}.${enc(c)}`;
      const key =
        o.key === 'other' ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey : ours.privateKey;
      return `${signed}.${sign('RSA-SHA256', Buffer.from(signed), key).toString('base64url')}`;
    }

    async function refused(token: string): Promise<string> {
      const res = await tokenserver(token, kid);
      const body = (await res.json()) as { status: string };
      assert.equal(res.status, 401);
      return body.status;
    }

    it('a well-formed forged token with our key is accepted (the control)', async () => {
      assert.equal((await tokenserver(forge({}), kid)).status, 200);
    });
    it('wrong typ', async () =>
      assert.equal(await refused(forge({ header: { typ: 'JWT' } })), 'invalid-credentials'));
    it('wrong key', async () => assert.equal(await refused(forge({ key: 'other' })), 'invalid-credentials'));
    it('wrong scope', async () =>
      assert.equal(await refused(forge({ claims: { scope: 'profile' } })), 'invalid-credentials'));
    it('expired', async () =>
      assert.equal(
        await refused(forge({ claims: { exp: Math.floor(Date.now() / 1000) - 5 } })),
        'invalid-credentials',
      ));
    it('a profile-only token from the auth API', async () => {
      assert.equal(
        await refused(await syncAccessToken(auth, s.sessionToken, 'profile')),
        'invalid-credentials',
      );
    });
  });
});

describe('profile (spec §4.1 #18)', () => {
  it('answers with a profile-scoped Bearer token, refuses without', async () => {
    const address = email('Profile');
    const s = await signIn(auth, 'create', address, 'pw');
    const token = await syncAccessToken(auth, s.sessionToken, 'profile');
    const res = await fetch(`${server.url}profile/v1/profile`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 200);
    assert.equal(body.uid, s.uid);
    assert.equal(body.email, address);
    assert.equal(body.avatarDefault, true);
    const none = await fetch(`${server.url}profile/v1/profile`);
    assert.equal(none.status, 401);
    const sync = await fetch(`${server.url}profile/v1/profile`, {
      headers: { authorization: `Bearer ${await syncAccessToken(auth, s.sessionToken)}` },
    });
    assert.equal(sync.status, 403);
    assert.ok(fromB64url(token.split('.')[2]!).length === 256);
  });
});
