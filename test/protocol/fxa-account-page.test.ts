// What the account page asks of the auth API besides the password change (research
// firefox-device-commands §4.4): removing a device signs that device out, "sign out everywhere"
// ends every session, deleting the account needs the password and takes the Sync storage with
// it; and the page itself at /settings, under the sign-in page's CSP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PAGE_CSP } from '../../server/fxa/page/index.js';
import { localFxaEmail } from '../../server/fxa/tokenserver-trust.js';
import { hawkFetch } from '../helpers/sync15-client.js';
import { authorize, fetchKb, hawk, signIn, syncAccessToken, type SignedIn } from './fxa-client.js';
import { authPW, email, errorShape, useFxaServer } from './fxa-test-setup.js';

const fx = useFxaServer();

async function registerDevice(s: SignedIn, name: string): Promise<string> {
  const res = await hawk(fx.auth, 'account/device', {
    token: s.sessionToken,
    body: { name, type: 'desktop' },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id as string;
}

const sessionStatus = async (s: SignedIn) =>
  (await hawk(fx.auth, 'session/status', { token: s.sessionToken })).status;

describe('removing a device', () => {
  it('signs that device out (its session ends) and leaves the others', async () => {
    const address = email('remove');
    const page = await signIn(fx.auth, 'create', address, 'the password');
    const laptop = await signIn(fx.auth, 'login', address, 'the password');
    const desktop = await signIn(fx.auth, 'login', address, 'the password');
    const laptopId = await registerDevice(laptop, 'Laptop');
    const desktopId = await registerDevice(desktop, 'Desktop');

    const removed = await hawk(fx.auth, 'account/device/destroy', {
      token: page.sessionToken,
      body: { id: laptopId },
    });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    errorShape(await hawk(fx.auth, 'account/devices', { token: laptop.sessionToken }), 401, 110);
    assert.equal(await sessionStatus(desktop), 200);
    assert.equal(await sessionStatus(page), 200);
    const rows = await fx.server.server.context.db.transaction('read', (tx) => tx.fxaDevices(page.uid));
    assert.deepEqual(
      rows.map((d) => d.id),
      [desktopId],
    );
    // The account still exists, so the removed Firefox asks for the password ("reconnect").
    assert.deepEqual(await (await fetch(`${fx.auth}account/status?uid=${page.uid}`)).json(), {
      exists: true,
    });
    errorShape(
      await hawk(fx.auth, 'account/device/destroy', { token: page.sessionToken, body: { id: laptopId } }),
      400,
      123,
    );

    // Another account's device is not this account's to remove.
    const stranger = await signIn(fx.auth, 'create', email('stranger'), 'the password');
    errorShape(
      await hawk(fx.auth, 'account/device/destroy', {
        token: stranger.sessionToken,
        body: { id: desktopId },
      }),
      400,
      123,
    );
    assert.equal(await sessionStatus(desktop), 200);
  });
});

describe('sign out everywhere', () => {
  it('ends every session of the account, the caller’s too; the password still signs in', async () => {
    const address = email('everywhere');
    const page = await signIn(fx.auth, 'create', address, 'the password');
    const one = await signIn(fx.auth, 'login', address, 'the password');
    const two = await signIn(fx.auth, 'login', address, 'the password');
    await registerDevice(one, 'One');
    const bystander = await signIn(fx.auth, 'create', email('bystander'), 'the password');

    const res = await hawk(fx.auth, 'account/sessions/destroy', { token: page.sessionToken, body: {} });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const s of [page, one, two])
      errorShape(await hawk(fx.auth, 'session/status', { token: s.sessionToken }), 401, 110);
    assert.equal(await sessionStatus(bystander), 200, 'other accounts keep their sessions');
    const db = fx.server.server.context.db;
    assert.equal((await db.transaction('read', (tx) => tx.fxaSessions(page.uid))).length, 0);
    assert.deepEqual(await (await fetch(`${fx.auth}account/status?uid=${page.uid}`)).json(), {
      exists: true,
    });
    const back = await signIn(fx.auth, 'login', address, 'the password');
    assert.equal(back.uid, page.uid);
  });
});

describe('deleting the account', () => {
  it('needs the password; then the account, its sessions and its Sync storage are gone', async () => {
    const address = email('delete');
    const s = await signIn(fx.auth, 'create', address, 'the password');
    const other = await signIn(fx.auth, 'login', address, 'the password');
    const a = await authorize(fx.auth, s, await fetchKb(fx.auth, s));
    const ts = await fetch(`${fx.server.url}1.0/sync/1.5`, {
      headers: {
        authorization: `Bearer ${await syncAccessToken(fx.auth, s.sessionToken)}`,
        'x-keyid': a.kid,
      },
    });
    const token = (await ts.json()) as { id: string; key: string; uid: number; api_endpoint: string };
    const put = await hawkFetch(`${token.api_endpoint}/storage/bookmarks/x`, {
      method: 'PUT',
      body: { payload: 'p' },
      credentials: token,
    });
    assert.equal(put.status, 200);

    errorShape(
      await hawk(fx.auth, 'account/destroy', {
        token: s.sessionToken,
        body: { email: address, authPW: authPW(address, 'wrong password') },
      }),
      400,
      103,
    );
    errorShape(
      await hawk(fx.auth, 'account/destroy', { token: s.sessionToken, body: { email: address } }),
      400,
      108,
    );
    const db = fx.server.server.context.db;
    assert.ok(
      await db.transaction('read', (tx) => tx.fxaAccountByUid(s.uid)),
      'still there after a wrong password',
    );
    assert.equal(
      (await hawkFetch(`${token.api_endpoint}/storage/bookmarks/x`, { credentials: token })).status,
      200,
    );
    // The session names the account: another account's e-mail is refused.
    const stranger = email('stranger');
    await signIn(fx.auth, 'create', stranger, 'the password');
    errorShape(
      await hawk(fx.auth, 'account/destroy', {
        token: s.sessionToken,
        body: { email: stranger, authPW: authPW(stranger, 'the password') },
      }),
      401,
      110,
    );

    const res = await hawk(fx.auth, 'account/destroy', {
      token: s.sessionToken,
      body: { email: address, authPW: authPW(address, 'the password') },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(await db.transaction('read', (tx) => tx.fxaAccountByUid(s.uid)), null);
    assert.deepEqual(
      await db.transaction('read', (tx) => tx.tokenserverUsersByEmail(localFxaEmail(s.uid), 5)),
      [],
    );
    assert.equal(await db.transaction('read', (tx) => tx.storageUserKind(token.uid)), null);
    assert.equal(
      (await hawkFetch(`${token.api_endpoint}/storage/bookmarks/x`, { credentials: token })).status,
      404,
    );
    // Other Firefoxes: 401/110, then /account/status says the account is gone (a full sign-out).
    errorShape(await hawk(fx.auth, 'account/devices', { token: other.sessionToken }), 401, 110);
    assert.deepEqual(await (await fetch(`${fx.auth}account/status?uid=${s.uid}`)).json(), { exists: false });
  });
});

describe('the account page', () => {
  it('is served at /settings (and the other manage paths) with the sign-in page’s CSP, no inline code', async () => {
    for (const p of [
      'settings',
      'settings?context=oauth_webchannel_v1&entrypoint=menupanel',
      'settings/clients',
    ]) {
      const res = await fetch(`${fx.server.url}${p}`);
      assert.equal(res.status, 200, p);
      assert.equal(res.headers.get('content-security-policy'), PAGE_CSP);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const html = await res.text();
      assert.match(html, /data-view="account"/);
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      assert.equal(scripts.length, 1);
      assert.match(scripts[0]!, /\ssrc="\/fxa-page\/signin\.js"/);
      assert.doesNotMatch(html, /<script\b[^>]*>[^<]+<\/script>/, 'no inline script body');
      assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
      assert.doesNotMatch(html, /Nothing to manage here/);
      // Every field has a label, and results are announced.
      for (const id of html.match(/<input\b[^>]*\sid="([^"]+)"/g) ?? []) {
        const name = /\sid="([^"]+)"/.exec(id)![1]!;
        assert.match(html, new RegExp(`<label for="${name}"`), `label for #${name}`);
      }
      assert.match(html, /aria-live="polite"/);
    }
    const js = await fetch(`${fx.server.url}fxa-page/signin.js`);
    assert.equal(js.status, 200, 'run `npm run build` first');
    const code = await js.text();
    assert.doesNotMatch(code, /crypto\.subtle|\bsubtle\./, 'WebCrypto is absent on plain-http LAN origins');
    assert.match(code, /fxaccounts:change_password/);
  });
});
