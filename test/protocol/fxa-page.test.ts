// Discovery document and the sign-in page over real HTTP (fxa-local.md §2, §3, §7): the four
// URLs exactly as Firefox maps them to prefs, the page's CSP, no inline code, the bundled
// crypto (no WebCrypto, no CDN), and settings read at request time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  buildClientConfiguration,
  prefsFromClientConfiguration,
  type FxaClientConfiguration,
} from '../../server/fxa/page/client-configuration.js';
import { PAGE_CSP } from '../../server/fxa/page/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('fxa-client-configuration → Firefox prefs (§2.2)', () => {
  test('the document maps to the prefs Firefox 153 writes', () => {
    const doc = buildClientConfiguration('http://192.168.1.20:8173/');
    assert.deepEqual(prefsFromClientConfiguration('http://192.168.1.20:8173/', doc), {
      'identity.fxaccounts.remote.root': 'http://192.168.1.20:8173',
      'identity.fxaccounts.auth.uri': 'http://192.168.1.20:8173/auth/v1',
      'identity.fxaccounts.remote.oauth.uri': 'http://192.168.1.20:8173/oauth/v1',
      'identity.fxaccounts.remote.profile.uri': 'http://192.168.1.20:8173/profile/v1',
      'identity.sync.tokenserver.uri': 'http://192.168.1.20:8173/1.0/sync/1.5',
      'identity.fxaccounts.remote.pairing.uri': 'http://192.168.1.20:8173',
    });
  });

  test('the /v1 rules: auth only when missing, oauth and profile always; missing fields throw', () => {
    const doc: FxaClientConfiguration = {
      auth_server_base_url: 'https://a.example/v1',
      oauth_server_base_url: 'https://o.example/v1',
      profile_server_base_url: 'https://p.example',
      sync_tokenserver_base_url: 'https://t.example',
      pairing_server_base_uri: 'wss://c.example',
    };
    const prefs = prefsFromClientConfiguration('https://x.example', doc);
    assert.equal(prefs['identity.fxaccounts.auth.uri'], 'https://a.example/v1');
    assert.equal(prefs['identity.fxaccounts.remote.oauth.uri'], 'https://o.example/v1/v1');
    assert.equal(prefs['identity.fxaccounts.remote.root'], 'https://x.example');
    const { profile_server_base_url: _dropped, ...partial } = doc;
    assert.throws(
      () => prefsFromClientConfiguration('https://x.example', partial),
      /profile_server_base_url/,
    );
  });

  test('no base carries a suffix Firefox appends', () => {
    for (const value of Object.values(buildClientConfiguration('http://h:1/'))) {
      assert.doesNotMatch(value, /\/v1$|\/1\.0\/sync\/1\.5$|\/$/);
    }
  });
});

describe('discovery and sign-in page over HTTP', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ allowNewUsers: true });
  });
  after(async () => {
    await server.close();
  });

  test('GET /.well-known/fxa-client-configuration follows the public URL at request time', async () => {
    let res = await fetch(`${server.url}.well-known/fxa-client-configuration`, {
      headers: { Accept: 'application/json' },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const root = server.url.slice(0, -1);
    assert.deepEqual(await res.json(), {
      auth_server_base_url: `${root}/auth`,
      oauth_server_base_url: `${root}/oauth`,
      profile_server_base_url: `${root}/profile`,
      sync_tokenserver_base_url: root,
      pairing_server_base_uri: root,
    });
    const saved = server.config.publicUrl;
    server.config.publicUrl = 'http://192.168.1.20:8173/';
    try {
      res = await fetch(`${server.url}.well-known/fxa-client-configuration`);
      assert.equal(
        ((await res.json()) as FxaClientConfiguration).auth_server_base_url,
        'http://192.168.1.20:8173/auth',
      );
    } finally {
      server.config.publicUrl = saved;
    }
  });

  test('the page Firefox opens: strict CSP, no inline script or style, assets from this origin', async () => {
    const res = await fetch(`${server.url}?context=oauth_webchannel_v1&action=email&service=sync`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-security-policy'), PAGE_CSP);
    assert.match(PAGE_CSP, /script-src 'self'; style-src 'self'; connect-src 'self'/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    const html = await res.text();
    for (const tag of html.match(/<script\b[^>]*>/g) ?? [])
      assert.match(tag, /\ssrc="\/fxa-page\/signin\.js"/);
    assert.doesNotMatch(html, /<script\b[^>]*>[^<]+<\/script>/, 'no inline script body');
    assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
    assert.doesNotMatch(
      html,
      /https?:\/\/(?!127\.0\.0\.1)[^"'\s]*\.(js|css)/,
      'nothing loaded from elsewhere',
    );
    assert.match(html, /data-allow-new-users="true"/);
    assert.match(html, /id="tab-signup" aria-selected="false" data-mode="signup">/);
    assert.match(html, new RegExp(`data-public-url="${server.url.replace(/[.]/g, '\\.')}"`));
  });

  test('closing sign-ups hides "Create account" on the next load', async () => {
    server.config.allowNewUsers = false;
    try {
      const html = await (await fetch(server.url)).text();
      assert.match(html, /data-allow-new-users="false"/);
      assert.match(html, /data-mode="signup" hidden>/);
    } finally {
      server.config.allowNewUsers = true;
    }
  });

  test('the bundle is local, pure JS (no WebCrypto) and served as JavaScript', async () => {
    const js = await fetch(`${server.url}fxa-page/signin.js`);
    assert.equal(js.status, 200, 'run `npm run build` first');
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    const code = await js.text();
    assert.doesNotMatch(code, /crypto\.subtle|\bsubtle\./, 'WebCrypto is absent on plain-http LAN origins');
    assert.match(code, /WebChannelMessageToChrome/);
    assert.match(code, /account_updates/);
    const css = await fetch(`${server.url}fxa-page/signin.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
    assert.equal((await fetch(`${server.url}fxa-page/../package.json`)).status, 404);
    assert.equal((await fetch(`${server.url}fxa-page/nope.js`)).status, 404);
  });

  test('other pages Firefox may open get a friendly page, not a 404', async () => {
    // settings/* is the account page (fxa-account-page.test.ts).
    for (const p of ['connect_another_device', 'pair', 'oauth']) {
      const res = await fetch(`${server.url}${p}`);
      assert.equal(res.status, 200, p);
      assert.equal(res.headers.get('content-security-policy'), PAGE_CSP);
      assert.match(await res.text(), /data-view="info"/);
    }
  });
});
