// The account page as Firefox opens it (research firefox-device-commands §4.1, §4.4), in
// Chromium with Firefox's side of the WebChannel played by an init script that answers as
// FxAccountsWebChannel.sys.mjs 153 does: fxa_status gives Firefox's session, change_password,
// logout and delete answer {ok: true}. Checked: the page uses that session without a sign-in,
// hands Firefox a working successor session after a password change (whose re-registration
// finds the same device), and tells Firefox to sign out after "sign out everywhere".
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fetchKb, hawk, signIn } from '../protocol/fxa-client.js';
import { CHROMIUM, launchChromium } from './chromium.js';

const WAIT_MS = 20_000;

const skip = fs.existsSync(CHROMIUM)
  ? false
  : `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium); skipping the account page browser test.`;

interface SentMessage {
  command: string;
  data: Record<string, unknown>;
}

/**
 * Firefox's half of the `account_updates` channel, run in the page before its own script (a
 * string: this file is type-checked without the DOM). Messages the page sent land in `window.sent`.
 */
function fakeFirefox(user: { email: string; uid: string; sessionToken: string; verified: boolean }): string {
  return `(() => {
  window.sent = [];
  let signedIn = ${JSON.stringify(user)};
  window.addEventListener('WebChannelMessageToChrome', (event) => {
    const envelope = JSON.parse(event.detail);
    const { command, messageId, data } = envelope.message;
    window.sent.push({ command, data });
    let reply = { ok: true };
    if (command === 'fxaccounts:fxa_status') reply = { signedInUser: signedIn, capabilities: { engines: [] } };
    if (command === 'fxaccounts:change_password' && signedIn) signedIn = { ...signedIn, sessionToken: data.sessionToken };
    if (command === 'fxaccounts:logout' || command === 'fxaccounts:delete') signedIn = null;
    setTimeout(() => {
      window.dispatchEvent(new CustomEvent('WebChannelMessageToContent', {
        detail: { id: envelope.id, message: { command, messageId, data: reply } },
      }));
    }, 0);
  });
})();`;
}

describe('account page with Firefox’s WebChannel', { skip }, () => {
  let server: TestServer;
  let auth: string;
  let browser: Browser;
  let page: Page;
  const pageProblems: string[] = [];

  before(async () => {
    server = await startTestServer();
    auth = `${server.url}auth/v1/`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('Firefox’s session, a password change handed to Firefox, sign out everywhere', async () => {
    const address = `firefox-${randomBytes(3).toString('hex')}@example.org`;
    const firefox = await signIn(auth, 'create', address, 'first password');
    const kB = await fetchKb(auth, firefox);
    const own = await hawk(auth, 'account/device', {
      token: firefox.sessionToken,
      body: { name: 'This computer', type: 'desktop' },
    });
    const other = await signIn(auth, 'login', address, 'first password');
    await hawk(auth, 'account/device', {
      token: other.sessionToken,
      body: { name: 'Other computer', type: 'desktop' },
    });

    const context = await browser.newContext({ reducedMotion: 'reduce' });
    await context.addInitScript({
      content: fakeFirefox({
        email: address,
        uid: firefox.uid,
        sessionToken: firefox.sessionToken,
        verified: true,
      }),
    });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (err) => pageProblems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageProblems.push(`console: ${msg.text()}`);
    });
    const sent = () => page.evaluate('window.sent') as Promise<SentMessage[]>;

    await page.goto(
      `${server.url}settings?context=oauth_webchannel_v1&entrypoint=preferences&uid=${firefox.uid}`,
    );
    await page.locator('#manage').waitFor();
    assert.equal(await page.isVisible('#manage-firefox'), true, 'says it acts for this Firefox');
    assert.equal(await page.isVisible('#page-signout'), false);
    const current = page.locator('#device-list li', { hasText: 'This Firefox' });
    await current.waitFor();
    assert.match((await current.textContent()) ?? '', /This computer/);
    await page.locator('#device-list li', { hasText: 'Other computer' }).waitFor();

    await page.getByLabel('Current password').fill('first password');
    await page.getByLabel('New password', { exact: true }).fill('second password');
    await page.getByLabel('Repeat the new password').fill('second password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#result', { hasText: 'This Firefox stays signed in' }).waitFor();

    const change = (await sent()).find((m) => m.command === 'fxaccounts:change_password');
    assert.ok(change, 'Firefox is told of the change');
    assert.deepEqual(Object.keys(change.data).sort(), ['email', 'sessionToken', 'uid', 'verified']);
    assert.equal(change.data.uid, firefox.uid);
    assert.equal(change.data.email, address);
    const successor = change.data.sessionToken as string;
    assert.notEqual(successor, firefox.sessionToken);
    assert.equal(
      (await hawk(auth, 'session/status', { token: successor })).status,
      200,
      'Firefox stays signed in',
    );
    assert.equal((await hawk(auth, 'session/status', { token: other.sessionToken })).status, 401);
    // Firefox re-registers without an id from the new session (FxAccountsWebChannel changePassword): same device.
    const again = await hawk(auth, 'account/device', {
      token: successor,
      body: { name: 'This computer', type: 'desktop' },
    });
    assert.equal(again.body.id, own.body.id);
    const relogin = await signIn(auth, 'login', address, 'second password');
    assert.equal(Buffer.from(await fetchKb(auth, relogin)).toString('hex'), Buffer.from(kB).toString('hex'));

    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('button', { name: 'Yes, sign out everywhere' }).click();
    await page.getByRole('heading', { name: 'Signed out everywhere' }).waitFor();
    const logout = (await sent()).find((m) => m.command === 'fxaccounts:logout');
    assert.deepEqual(logout?.data, { uid: firefox.uid });
    for (const token of [successor, relogin.sessionToken])
      assert.equal((await hawk(auth, 'session/status', { token })).status, 401);

    assert.deepEqual(pageProblems, [], 'no CSP violation or script error');
    await context.close();
  });
});
