// The sign-in page of a server with `[auth] backend = ldap` (issue 14 item 3), in Chromium with
// Firefox's side of the WebChannel played by an init script (as account-page-webchannel.test.ts
// does): a directory person signs in with the directory's name and password; after a directory
// password change the page asks for the previous one (kB kept) or, confirmed, starts over with
// new keys. The keys the page hands Firefox are checked by decrypting them as Firefox would.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { OLDSYNC_SCOPE, toHex, stretchPassword, xor } from '../../server/fxa/crypto/index.js';
import { CHROMIUM, launchChromium } from '../e2e/chromium.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { PEOPLE, slapdSkipReason, startSlapd, type TestPerson, type TestSlapd } from '../helpers/slapd.js';
import { setDirectoryPassword, testDirectorySettings } from '../helpers/slapd-directory.js';
import { FIREFOX, decryptKeysJwe, firefoxFlow, hawk } from '../protocol/fxa-client.js';

const WAIT_MS = 20_000;

const skip =
  slapdSkipReason() ||
  (fs.existsSync(CHROMIUM)
    ? false
    : `Chromium is not installed at ${CHROMIUM}; skipping the directory page test.`);

interface SentMessage {
  command: string;
  data: Record<string, unknown>;
}

/** Firefox's half of the channel: not signed in; every command answered {ok: true}. */
const FAKE_FIREFOX = `(() => {
  window.sent = [];
  window.addEventListener('WebChannelMessageToChrome', (event) => {
    const envelope = JSON.parse(event.detail);
    const { command, messageId, data } = envelope.message;
    window.sent.push({ command, data });
    const reply = command === 'fxaccounts:fxa_status' ? { signedInUser: null, capabilities: { engines: [] } } : { ok: true };
    setTimeout(() => {
      window.dispatchEvent(new CustomEvent('WebChannelMessageToContent', {
        detail: { id: envelope.id, message: { command, messageId, data: reply } },
      }));
    }, 0);
  });
})();`;

describe('the sign-in page with a household directory', { skip }, () => {
  let slapd: TestSlapd;
  let server: TestServer;
  let auth: string;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    slapd = await startSlapd();
    server = await startTestServer({
      // Open sign-ups do not show "Create account": the directory decides who has an account.
      allowNewUsers: true,
      directory: testDirectorySettings(slapd),
    });
    auth = `${server.url}auth/v1/`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await slapd?.close();
  });

  const setPassword = (person: TestPerson, password: string) => setDirectoryPassword(slapd, person, password);

  /** The page as Firefox opens it, with the OAuth parameters of a fresh flow. */
  async function openPage(): Promise<{ page: Page; flow: ReturnType<typeof firefoxFlow> }> {
    const context = await browser.newContext({ reducedMotion: 'reduce' });
    await context.addInitScript({ content: FAKE_FIREFOX });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      // The page's expected 400s (errno 120 and 103 answers) are logged by Chromium as failed
      // loads; anything else (a CSP violation, a script error) counts.
      if (msg.type() === 'error' && !/status of 400/u.test(msg.text()))
        problems.push(`console: ${msg.text()}`);
    });
    const flow = firefoxFlow();
    const query = new URLSearchParams({
      client_id: FIREFOX,
      state: flow.state,
      scope: `${OLDSYNC_SCOPE} profile`,
      access_type: 'offline',
      response_type: 'code',
      code_challenge: flow.challenge,
      code_challenge_method: 'S256',
      keys_jwk: flow.keysJwk,
    });
    await page.goto(`${server.url}?${query.toString()}`);
    await page.getByLabel('Name or e-mail').waitFor();
    return { page, flow };
  }

  /** What Firefox got: the account's e-mail and the Sync key's kid, by redeeming the code. */
  async function handedToFirefox(page: Page, flow: ReturnType<typeof firefoxFlow>) {
    const sent = (await page.evaluate('window.sent')) as SentMessage[];
    const login = sent.find((m) => m.command === 'fxaccounts:login');
    const oauth = sent.find((m) => m.command === 'fxaccounts:oauth_login');
    assert.ok(login && oauth, 'Firefox was signed in and given a code');
    const token = await hawk(auth, 'oauth/token', {
      token: login.data.sessionToken as string,
      body: {
        client_id: FIREFOX,
        grant_type: 'authorization_code',
        code: oauth.data.code,
        code_verifier: flow.verifier,
      },
    });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const keys = decryptKeysJwe(flow.secretKey, token.body.keys_jwe as string);
    await page.context().close();
    return { email: login.data.email as string, kid: keys[OLDSYNC_SCOPE]!.kid };
  }

  async function signInOnPage(page: Page, name: string, password: string): Promise<void> {
    await page.getByLabel('Name or e-mail').fill(name);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in and sync' }).click();
  }

  test('a directory person signs in by name; a changed password keeps the Sync key through the previous one', async () => {
    const { alice } = PEOPLE;
    const first = await openPage();
    assert.equal(await first.page.isVisible('#tab-signup'), false, 'no "Create account" with a directory');
    await signInOnPage(first.page, alice.uid, alice.password);
    await first.page.locator('#done').waitFor();
    const before = await handedToFirefox(first.page, first.flow);
    assert.equal(before.email, alice.mail, 'Firefox uses the directory’s address');

    const fresh = 'alice-page-secret';
    await setPassword(alice, fresh);
    try {
      const second = await openPage();
      await signInOnPage(second.page, alice.uid, fresh);
      await second.page.locator('#error', { hasText: 'directory password changed' }).waitFor();
      await second.page.getByLabel('Previous password').fill('not the previous one');
      await second.page.getByRole('button', { name: 'Sign in and sync' }).click();
      await second.page.locator('#error', { hasText: 'not your previous password' }).waitFor();
      await second.page.getByLabel('Previous password').fill(alice.password);
      await second.page.getByRole('button', { name: 'Sign in and sync' }).click();
      await second.page.locator('#done').waitFor();
      const after = await handedToFirefox(second.page, second.flow);
      assert.equal(after.kid, before.kid, 'the same Sync key: data synced before stays readable');
    } finally {
      await setPassword(alice, alice.password);
      // Back to the first password through the API, keeping kB, for the other tests.
      const s = stretchPassword(alice.mail, alice.password);
      const p = stretchPassword(alice.mail, fresh);
      const res = await fetch(`${auth}account/directory/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: alice.uid,
          email: alice.mail,
          authPW: toHex(s.authPW),
          directoryPassword: alice.password,
          previousAuthPW: toHex(p.authPW),
          keyDelta: toHex(xor(p.unwrapBKey, s.unwrapBKey)),
        }),
      });
      assert.equal(res.status, 200);
    }
  });

  test('without the previous password: "start over" says what it costs, then new keys', async () => {
    const { bjorn } = PEOPLE;
    const first = await openPage();
    await signInOnPage(first.page, bjorn.mail, bjorn.password);
    await first.page.locator('#done').waitFor();
    const before = await handedToFirefox(first.page, first.flow);
    assert.equal(before.email, bjorn.mail);

    const fresh = 'björn-seite-pässwort';
    await setPassword(bjorn, fresh);
    try {
      const second = await openPage();
      await signInOnPage(second.page, bjorn.mail, fresh);
      await second.page.getByLabel('Previous password').waitFor();
      await second.page.getByRole('button', { name: 'Start over with new keys' }).click();
      const warning = second.page.locator('#reset-confirm');
      await warning.waitFor();
      assert.match((await warning.textContent()) ?? '', /unreadable/u);
      assert.match((await warning.textContent()) ?? '', /uploads its own again/u);
      await second.page.getByRole('button', { name: 'Yes, start over with new keys' }).click();
      await second.page.locator('#done').waitFor();
      const after = await handedToFirefox(second.page, second.flow);
      assert.notEqual(after.kid, before.kid, 'new keys after a reset');
    } finally {
      await setPassword(bjorn, bjorn.password);
    }
  });

  test('the account page signs a directory person in through the directory (the plain login refuses them)', async () => {
    const { alice } = PEOPLE;
    const first = await openPage();
    await signInOnPage(first.page, alice.uid, alice.password);
    await first.page.locator('#done').waitFor();
    await first.page.context().close();

    const context = await browser.newContext({ reducedMotion: 'reduce' });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    try {
      await page.goto(`${server.url}settings?email=${encodeURIComponent(alice.mail)}`);
      await page.locator('#signin-form').waitFor();
      await page.getByLabel('Password', { exact: true }).fill(alice.password);
      await page.getByRole('button', { name: 'Sign in to manage your account' }).click();
      await page.locator('#manage').waitFor();
      assert.equal(await page.textContent('#manage-email'), alice.mail);
    } finally {
      await context.close();
    }
  });

  test('no script error or CSP violation on the page', () => {
    assert.deepEqual(problems, []);
  });
});
