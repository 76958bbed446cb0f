// The account page (/settings) in a real headless Chromium, outside Firefox: nobody answers the
// WebChannel, so the page signs in itself. Sign in, see the devices, remove one, change the
// password, delete the account; each step checked on the page and in the server's state.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { stretchPassword, toHex } from '../../server/fxa/crypto/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fetchKb, hawk, post, signIn, type SignedIn } from '../protocol/fxa-client.js';
import { CHROMIUM, launchChromium } from './chromium.js';

/** Deadline for anything the page has to show; the password stretch and scrypt take a while on 2 cores. */
const WAIT_MS = 20_000;

const skip = fs.existsSync(CHROMIUM)
  ? false
  : `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium); skipping the account page browser test.`;

describe('account page in Chromium (outside Firefox)', { skip }, () => {
  let server: TestServer;
  let auth: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageProblems: string[] = [];
  const address = `page-${randomBytes(3).toString('hex')}@example.org`;

  const sessionStatus = async (s: SignedIn) =>
    (await hawk(auth, 'session/status', { token: s.sessionToken })).status;

  async function registerDevice(s: SignedIn, name: string): Promise<string> {
    const res = await hawk(auth, 'account/device', {
      token: s.sessionToken,
      body: { name, type: 'desktop' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id as string;
  }

  const deviceRows = (uid: string) =>
    server.server.context.db.transaction('read', (tx) => tx.fxaDevices(uid));

  before(async () => {
    server = await startTestServer();
    auth = `${server.url}auth/v1/`;
    browser = await launchChromium();
    context = await browser.newContext({ colorScheme: 'light', reducedMotion: 'reduce' });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (err) => pageProblems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      // CSP violations land on the console; the wrong password this test sends is a failed load.
      const expected = /^Failed to load resource: the server responded with a status of 4\d\d/.test(
        msg.text(),
      );
      if (msg.type() === 'error' && !expected) pageProblems.push(`console: ${msg.text()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the page’s own session ends when its tab closes', async () => {
    const other = `tab-${randomBytes(3).toString('hex')}@example.org`;
    const s = await signIn(auth, 'create', other, 'the password');
    const sessions = async () =>
      (await server.server.context.db.transaction('read', (tx) => tx.fxaSessions(s.uid))).length;
    const tab = await context.newPage();
    tab.setDefaultTimeout(WAIT_MS);
    await tab.goto(`${server.url}settings?email=${other}`);
    await tab.getByLabel('Password', { exact: true }).fill('the password');
    await tab.keyboard.press('Enter');
    await tab.locator('#manage').waitFor();
    assert.equal(await sessions(), 2);
    await tab.close({ runBeforeUnload: true });
    // The sign-out leaves as the tab closes (a keepalive request): wait for it, boundedly.
    for (let i = 0; i < 100 && (await sessions()) !== 1; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await sessions(), 1, 'only the sign-in made outside the page is left');
    assert.equal((await hawk(auth, 'session/status', { token: s.sessionToken })).status, 200);
  });

  test('sign in, remove a device, change the password, delete the account', async () => {
    const first = await signIn(auth, 'create', address, 'first password');
    const kB = await fetchKb(auth, first);
    const laptop = await signIn(auth, 'login', address, 'first password');
    const desktop = await signIn(auth, 'login', address, 'first password');
    const laptopId = await registerDevice(laptop, 'Laptop');
    const desktopId = await registerDevice(desktop, 'Desktop');

    // Firefox's "Manage account" URL; no WebChannel answers here, so the page offers its own sign-in.
    await page.goto(
      `${server.url}settings?context=oauth_webchannel_v1&entrypoint=menupanel&email=${address}`,
    );
    await page.locator('#signin-form').waitFor();
    assert.equal(await page.inputValue('#signin-email'), address, 'the e-mail from the URL is filled in');
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in to manage your account' }).click();
    await page.getByRole('alert').filter({ hasText: 'That is not the password' }).waitFor();
    await page.getByLabel('Password', { exact: true }).fill('first password');
    await page.keyboard.press('Enter');
    await page.locator('#manage').waitFor();
    assert.equal(await page.textContent('#manage-email'), address);

    // Devices: the two Firefoxes, not the page's own session.
    const items = page.locator('#device-list li');
    await items.first().waitFor();
    assert.deepEqual((await page.locator('#device-list li strong').allTextContents()).sort(), [
      'Desktop',
      'Laptop',
    ]);

    // Remove the laptop: asked first, then its session ends on the server.
    await page.getByRole('button', { name: 'Remove Laptop' }).click();
    const yes = page.getByRole('button', { name: 'Yes, remove' });
    assert.equal(
      await page.evaluate('document.activeElement?.textContent'),
      'Yes, remove',
      'focus moves to the confirmation',
    );
    await yes.click();
    await page.locator('#result', { hasText: 'Removed Laptop' }).waitFor();
    await page.locator('#device-list li', { hasText: 'Laptop' }).waitFor({ state: 'detached' });
    assert.equal(await sessionStatus(laptop), 401, 'the removed laptop is signed out');
    assert.equal(await sessionStatus(desktop), 200);
    assert.deepEqual(
      (await deviceRows(first.uid)).map((d) => d.id),
      [desktopId],
    );
    assert.ok(!(await deviceRows(first.uid)).some((d) => d.id === laptopId));

    // Change the password on the page (the stretch and the re-wrap of kB happen in Chromium).
    await page.getByLabel('Current password').fill('first password');
    await page.getByLabel('New password', { exact: true }).fill('second password');
    await page.getByLabel('Repeat the new password').fill('second password!');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#password-error', { hasText: 'The two new passwords differ' }).waitFor();
    await page.getByLabel('Repeat the new password').fill('second password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#result', { hasText: 'Password changed' }).waitFor();
    assert.equal(await page.inputValue('#old-password'), '', 'the password fields are cleared');

    const oldLogin = await post(auth, 'account/login', {
      email: address,
      authPW: toHex(stretchPassword(address, 'first password').authPW),
    });
    assert.equal(oldLogin.body.errno, 103, 'the old password fails');
    const again = await signIn(auth, 'login', address, 'second password');
    assert.equal(
      toHex(await fetchKb(auth, again)),
      toHex(kB),
      'kB is unchanged: the synced data stays readable',
    );
    assert.equal(await sessionStatus(desktop), 401, 'the other Firefox must enter the new password');
    assert.equal(await sessionStatus(first), 401);
    // The desktop is still listed (unbound) on the page, which kept working with its new session.
    await page.locator('#device-list li', { hasText: 'Desktop' }).waitFor();

    // Delete: the password is required, and a wrong one deletes nothing.
    await page.getByLabel('Password, to confirm').fill('first password');
    await page.getByRole('button', { name: 'Delete account and its synced data' }).click();
    await page.locator('#delete-error', { hasText: 'That is not the password' }).waitFor();
    assert.ok(await server.server.context.db.transaction('read', (tx) => tx.fxaAccountByUid(first.uid)));
    await page.getByLabel('Password, to confirm').fill('second password');
    await page.getByRole('button', { name: 'Delete account and its synced data' }).click();
    await page.getByRole('heading', { name: 'Account deleted' }).waitFor();
    assert.match(
      (await page.textContent('#ended-text')) ?? '',
      /everything it synced to this Foxden server are gone/,
    );
    assert.equal(
      await server.server.context.db.transaction('read', (tx) => tx.fxaAccountByUid(first.uid)),
      null,
    );
    assert.deepEqual(await (await fetch(`${auth}account/status?uid=${first.uid}`)).json(), { exists: false });
    assert.equal(await sessionStatus(again), 401);

    assert.deepEqual(pageProblems, [], 'no CSP violation or script error');
  });
});
