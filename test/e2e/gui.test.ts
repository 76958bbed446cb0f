// The admin GUI in a real headless Chromium against the real headless stack: AdminService,
// a real sync server (SQLite in a temp dir) and the real loopback admin HTTP listener, all on
// ephemeral 127.0.0.1 ports. Every check that matters is made twice: in the page, and through
// the server (admin API over HTTP, or the Sync 1.1 protocol itself).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AccountSummary } from '../../server/admin/api.js';
import { toHex } from '../../server/fxa/crypto/index.js';
import { readHouseholdCa } from '../../server/tls/household-ca.js';
import { postAdmin } from '../helpers/admin-http.js';
import { freePort, occupyPort } from '../helpers/ports.js';
import { basicAuth, Sync11User } from '../helpers/sync11-client.js';
import { hawkFetch } from '../helpers/sync15-client.js';
import { authorize, fetchKb, hawk, signIn, syncAccessToken } from '../protocol/fxa-client.js';
import { CHROMIUM, launchChromium } from './chromium.js';
import { startGuiStack, type GuiStack } from './gui-stack.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * Each view's screenshot goes to test-output/screenshots, or to the README's
 * docs/screenshots with FOXDEN_UPDATE_SCREENSHOTS=1, so a plain test run leaves tracked files alone.
 */
const SCREENSHOTS = process.env.FOXDEN_UPDATE_SCREENSHOTS
  ? path.join(ROOT, 'docs', 'screenshots')
  : path.join(ROOT, 'test-output', 'screenshots');
/** Deadline for anything the page has to show; generous for a loaded 2-core CI machine. */
const WAIT_MS = 15_000;

const skip = fs.existsSync(CHROMIUM)
  ? false
  : `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium); skipping the GUI browser tests.`;

describe('admin GUI in Chromium', { skip }, () => {
  let stack: GuiStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let tempDir: string;
  const pageProblems: string[] = [];

  async function adminCall<T>(method: string, ...args: unknown[]): Promise<T> {
    const res = await postAdmin(stack.admin, method, ...args);
    assert.equal(res.status, 200, `admin ${method} answered ${res.status}`);
    return (await res.json()) as T;
  }

  async function accountIds(): Promise<string[]> {
    return (await adminCall<AccountSummary[]>('listAccounts')).map((a) => a.id);
  }

  /** GET info/collections as a Sync 1.1 client would: 200 when the credentials are good. */
  async function sync11Status(username: string, password: string): Promise<number> {
    const res = await fetch(`${stack.syncUrl}1.1/${username}/info/collections`, {
      headers: { Authorization: basicAuth(username, password) },
    });
    await res.arrayBuffer();
    return res.status;
  }

  /** Signs in to a local account over the auth API as Firefox does; rejects on a wrong password. */
  function localLogin(email: string, password: string): ReturnType<typeof signIn> {
    return signIn(`${stack.syncUrl}auth/v1/`, 'login', email, password);
  }

  /**
   * What Firefox does after signing in to a local account: registers its device, fetches kB,
   * trades its session for a Sync token at the tokenserver and uploads a bookmark.
   */
  async function syncAsFirefox(email: string, password: string, deviceName: string): Promise<void> {
    const auth = `${stack.syncUrl}auth/v1/`;
    const session = await localLogin(email, password);
    const device = await hawk(auth, 'account/device', {
      token: session.sessionToken,
      body: { name: deviceName, type: 'desktop' },
    });
    assert.equal(device.status, 200, JSON.stringify(device.body));
    const { kid } = await authorize(auth, session, await fetchKb(auth, session));
    const token = await fetch(`${stack.syncUrl}1.0/sync/1.5`, {
      headers: {
        authorization: `Bearer ${await syncAccessToken(auth, session.sessionToken)}`,
        'x-keyid': kid,
        accept: 'application/json',
      },
    });
    const grant = (await token.json()) as { id: string; key: string; api_endpoint: string };
    assert.equal(token.status, 200, JSON.stringify(grant));
    const put = await hawkFetch(`${grant.api_endpoint}/storage/bookmarks/menu1`, {
      method: 'PUT',
      body: { payload: JSON.stringify({ ciphertext: 'x'.repeat(600), IV: 'iv', hmac: 'h' }) },
      credentials: { id: grant.id, key: grant.key },
    });
    assert.equal(put.status, 200, await put.text());
  }

  /** GET over HTTPS trusting only `ca` (the household CA): the status. */
  function httpsStatus(url: string, ca: string): Promise<number> {
    return new Promise((resolve, reject) => {
      https
        .get(url, { ca, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
        .on('error', reject);
    });
  }

  async function open(view: string, title: string): Promise<void> {
    await page.click(`nav [data-view="${view}"]`);
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  }

  /**
   * A 1280x800 picture for the README; the confirmation toast only where it is the point.
   * Hidden through the `hidden` attribute and `caret: 'initial'`, because Playwright's own
   * screenshot styles would be inline styles, which the admin CSP (rightly) blocks.
   */
  async function shoot(name: string, options: { toast?: boolean } = {}): Promise<void> {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.evaluate('document.activeElement?.blur()');
    await page.mouse.move(1279, 799);
    const toast = (hidden: boolean) =>
      `document.querySelector('[data-testid="announcer"]').hidden = ${hidden}`;
    if (!options.toast) await page.evaluate(toast(true));
    try {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), caret: 'initial' });
    } finally {
      if (!options.toast) await page.evaluate(toast(false));
    }
  }

  /** Saves the settings form and waits until the page has the server's answer. */
  async function saveSettings(): Promise<void> {
    await page.getByRole('button', { name: 'Save settings' }).click();
    // Disabled again once saved (nothing left to save); stays enabled on a refusal.
    await page.locator('button[type="submit"]:disabled', { hasText: 'Save settings' }).waitFor();
  }

  before(async () => {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-gui-out-'));
    stack = await startGuiStack();
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
      reducedMotion: 'reduce',
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: stack.admin.url.replace(/\/$/, ''),
    });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (err) => pageProblems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      // CSP violations are reported on the console; so are React's errors.
      // The refusals this test provokes on purpose (409 name taken) are logged as failed loads.
      const expected = /^Failed to load resource: the server responded with a status of 4\d\d/.test(
        msg.text(),
      );
      if (msg.type() === 'error' && !expected) pageProblems.push(`console: ${msg.text()}`);
    });
    await page.goto(stack.admin.dashboardUrl);
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
    if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  });

  test('the built page has no inline script or style, so the admin CSP holds', () => {
    const html = fs.readFileSync(path.join(stack.staticDir, 'index.html'), 'utf8');
    assert.match(html, /<script type="module" crossorigin src="\.\/assets\/[^"]+\.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" crossorigin href="\.\/assets\/[^"]+\.css">/);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'inline <script>');
    assert.doesNotMatch(html, /<style|\sstyle=/, 'inline style');
  });

  test('opens with the token from the fragment, keeps it for the tab and removes it from the address bar', async () => {
    await page.locator('.view-header [data-state="running"]').waitFor();
    assert.ok(!page.url().includes('token'), `token still in ${page.url()}`);
    assert.equal(await page.evaluate('sessionStorage.getItem("foxden.adminToken")'), stack.admin.token);
    await page.getByText(`127.0.0.1:${stack.syncPort}`, { exact: true }).waitFor();
  });

  test('Stop and Start follow the state and really stop the sync server', async () => {
    const start = page.getByRole('button', { name: 'Start', exact: true });
    const stop = page.getByRole('button', { name: 'Stop', exact: true });
    assert.equal(await start.isDisabled(), true);
    await stop.click();
    await page.locator('.view-header [data-state="stopped"]').waitFor();
    assert.equal(await stop.isDisabled(), true);
    await assert.rejects(fetch(`${stack.syncUrl}__heartbeat__`), 'the sync port still answers while stopped');
    await start.click();
    await page.locator('.view-header [data-state="running"]').waitFor();
    assert.equal((await fetch(`${stack.syncUrl}__heartbeat__`)).status, 200);
  });

  test('copies the Firefox setup URL and says so', async () => {
    const expected = `${stack.syncUrl}1.0/sync/1.5`;
    assert.equal(await page.getByTestId('setup-url').textContent(), expected);
    await page.getByRole('button', { name: 'Copy Firefox setup URL' }).click();
    await page.getByRole('button', { name: '✓ Copied' }).waitFor();
    await page.getByTestId('announcer').filter({ hasText: 'Copied Firefox setup URL.' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), expected);
    await shoot('status', { toast: true });
  });

  test('the sign-up switch opens and closes Sync 1.1 registration (PUT /user/1.0/<u>)', async () => {
    await open('settings', 'Settings');
    const allow = page.getByRole('checkbox', { name: 'Allow new sign-ups' });
    assert.equal(await allow.isChecked(), false);

    const early = new Sync11User(stack.syncUrl, 'early@example.org', 'early-bird-password');
    const refused = await early.create();
    assert.ok(refused.status >= 400, `sign-up while closed answered ${refused.status}`);
    assert.ok(!(await accountIds()).includes(early.username));

    await allow.check();
    await saveSettings();
    assert.equal((await adminCall<{ allowNewUsers: boolean }>('getSettings')).allowNewUsers, true);
    const accepted = await new Sync11User(stack.syncUrl, 'welcome@example.org', 'welcome-password').create();
    assert.equal(accepted.status, 200, accepted.text);

    await allow.uncheck();
    await saveSettings();
    const late = await new Sync11User(stack.syncUrl, 'late@example.org', 'late-comer-password').create();
    assert.ok(late.status >= 400, `sign-up after closing answered ${late.status}`);
    assert.equal(await early.create().then((r) => r.status >= 400), true);
  });

  test('creates an account, refuses bad input next to the field, resets its password and deletes it', async () => {
    await open('accounts', 'Accounts');
    await page.getByRole('radio', { name: /Pale Moon \/ Sync 1\.1/ }).check();
    await page.getByLabel('Username or e-mail').fill('gui-alice');
    await page.getByLabel('Password', { exact: true }).fill('first-password-1');
    await page.getByLabel('Confirm password').fill('something else');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#new-confirm-error', { hasText: 'do not match' }).waitFor();
    assert.ok(!(await accountIds()).includes('gui-alice'), 'created despite the mismatch');

    await page.getByLabel('Confirm password').fill('first-password-1');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('tr[data-account="gui-alice"]').waitFor();
    assert.ok((await accountIds()).includes('gui-alice'));
    assert.equal(await sync11Status('gui-alice', 'first-password-1'), 200);

    // The server's refusal (name taken) shows under the name field, in its words.
    await page.getByLabel('Username or e-mail').fill('gui-alice');
    await page.getByLabel('Password', { exact: true }).fill('another-password-2');
    await page.getByLabel('Confirm password').fill('another-password-2');
    await page.getByRole('button', { name: 'Create account' }).click();
    const nameError = page.locator('#new-name-error');
    await nameError.waitFor();
    assert.ok(((await nameError.textContent()) ?? '').trim().length > 0);

    const row = page.locator('tr[data-account="gui-alice"]');
    await row.getByRole('button', { name: /Reset password/ }).click();
    const resetDialog = page.getByRole('dialog', { name: /Reset the password of gui-alice/ });
    await resetDialog.waitFor();
    await resetDialog.getByText('a reset can make old encrypted data unreadable').waitFor();
    await resetDialog.getByLabel('New password', { exact: true }).fill('second-password-2');
    await resetDialog.getByLabel('Confirm new password').fill('second-password-2');
    await resetDialog.getByRole('button', { name: 'Set new password' }).click();
    await resetDialog.waitFor({ state: 'hidden' });
    await page.getByTestId('announcer').filter({ hasText: 'Password for gui-alice changed.' }).waitFor();
    assert.equal(await sync11Status('gui-alice', 'first-password-1'), 401);
    assert.equal(await sync11Status('gui-alice', 'second-password-2'), 200);

    await row.getByRole('button', { name: /Delete/ }).click();
    const deleteDialog = page.getByRole('dialog', { name: 'Delete gui-alice?' });
    await deleteDialog.getByRole('button', { name: 'Delete account' }).click();
    await row.waitFor({ state: 'detached' });
    assert.ok(!(await accountIds()).includes('gui-alice'));
    assert.equal(await sync11Status('gui-alice', 'second-password-2'), 401);
    const taken = await fetch(`${stack.syncUrl}user/1.0/gui-alice`);
    assert.equal(await taken.text(), '0');
  });

  test('creates a Firefox local account, warns before a reset that old data becomes unreadable, and deletes it', async () => {
    const email = 'gui-carol@example.org';
    await open('accounts', 'Accounts');
    const localChoice = page.getByRole('radio', { name: /Firefox \(local account\)/ });
    await localChoice.check();
    assert.equal(await localChoice.isChecked(), true);
    await page.getByLabel('E-mail address').fill('gui-carol');
    await page.getByLabel('Password', { exact: true }).fill('carol-temporary-1');
    await page.getByLabel('Confirm password').fill('carol-temporary-1');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#new-name-error', { hasText: 'e-mail address' }).waitFor();

    await page.getByLabel('E-mail address').fill(email);
    await page.getByRole('button', { name: 'Create account' }).click();
    const row = page.locator('tr[data-kind="local"]', { hasText: email });
    await row.waitFor();
    const created = (await adminCall<AccountSummary[]>('listAccounts')).find((a) => a.label === email);
    assert.equal(created?.kind, 'local');
    assert.equal(await row.getAttribute('data-account'), created.id);
    assert.equal(await row.locator('td').first().textContent(), 'Local account');
    await row.getByTestId('devices').getByText('No device signed in').waitFor();

    // Firefox signs in with the temporary password; its device shows up in the table.
    const first = await localLogin(email, 'carol-temporary-1');
    const oldKb = toHex(await fetchKb(`${stack.syncUrl}auth/v1/`, first));
    const device = await hawk(`${stack.syncUrl}auth/v1/`, 'account/device', {
      token: first.sessionToken,
      body: { name: 'Carol’s laptop', type: 'desktop' },
    });
    assert.equal(device.status, 200);
    await row.getByTestId('devices').getByText('Devices: Carol’s laptop').waitFor();

    await row.getByRole('button', { name: /Reset password/ }).click();
    const resetDialog = page.getByRole('dialog', { name: `Reset the password of ${email}` });
    await resetDialog.waitFor();
    // Said plainly before anything happens: the old password still works at this point.
    const warning = resetDialog.getByTestId('reset-warning');
    await warning.getByText('Firefox’s existing encrypted data on this server becomes unreadable').waitFor();
    await warning.getByText(/each Firefox uploads its own copy/).waitFor();
    assert.equal(await warning.isVisible(), true);
    await localLogin(email, 'carol-temporary-1');
    await resetDialog.getByLabel('New password', { exact: true }).fill('carol-new-password-2');
    await resetDialog.getByLabel('Confirm new password').fill('carol-new-password-2');
    await resetDialog.getByRole('button', { name: 'Set new password' }).click();
    await resetDialog.waitFor({ state: 'hidden' });
    await page
      .getByTestId('announcer')
      .filter({ hasText: `Password for ${email} changed.` })
      .waitFor();
    await assert.rejects(localLogin(email, 'carol-temporary-1'), /login failed: 400/);
    const second = await localLogin(email, 'carol-new-password-2');
    const newKb = toHex(await fetchKb(`${stack.syncUrl}auth/v1/`, second));
    assert.notEqual(newKb, oldKb, 'a reset makes a new kB');
    // The reset signed every Firefox out, which ended their device registrations too.
    await row.getByTestId('devices').getByText('No device signed in').waitFor();

    await row.getByRole('button', { name: /Delete/ }).click();
    const deleteDialog = page.getByRole('dialog', { name: `Delete ${email}?` });
    await deleteDialog.getByRole('button', { name: 'Delete account' }).click();
    await row.waitFor({ state: 'detached' });
    assert.ok(!(await accountIds()).includes(created.id));
    await assert.rejects(localLogin(email, 'carol-new-password-2'), /login failed: 400/);
  });

  test('a public URL with the wrong port raises a warning, one without http:// is refused, fixing it clears both', async () => {
    await open('settings', 'Settings');
    const url = page.getByLabel('Public URL');
    const wrongPort = stack.syncPort === 65535 ? 65534 : stack.syncPort + 1;
    await url.fill(`http://127.0.0.1:${wrongPort}/`);
    await saveSettings();
    const mismatch = page.locator('[data-warning="public-url-port-mismatch"]');
    await mismatch.waitFor();
    assert.match((await mismatch.textContent()) ?? '', new RegExp(`port ${wrongPort}`));
    await shoot('warnings');

    await url.fill(`127.0.0.1:${stack.syncPort}/`);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('#publicUrl-error', { hasText: 'http://' }).waitFor();
    assert.equal(
      (await adminCall<{ publicUrl: string }>('getSettings')).publicUrl,
      `http://127.0.0.1:${wrongPort}/`,
    );

    await url.fill(stack.syncUrl);
    await saveSettings();
    await mismatch.waitFor({ state: 'detached' });
    await page.locator('#publicUrl-error').waitFor({ state: 'detached' });
    const codes = (await adminCall<{ code: string }[]>('warnings')).map((w) => w.code);
    assert.ok(
      !codes.includes('public-url-port-mismatch') && !codes.includes('public-url-scheme'),
      codes.join(),
    );
    await shoot('settings');
  });

  test('Save with a new port moves the server at once and says so; a port in use is refused by the field', async () => {
    await open('settings', 'Settings');
    const port = page.getByLabel('Port', { exact: true });
    const moved = await freePort();
    await port.fill(String(moved));
    await saveSettings();
    await page
      .getByTestId('announcer')
      .filter({ hasText: `Settings saved. The server now listens on port ${moved}.` })
      .waitFor();
    assert.equal((await fetch(`http://127.0.0.1:${moved}/__heartbeat__`)).status, 200);
    await assert.rejects(fetch(`${stack.syncUrl}__heartbeat__`), 'the old port is closed');

    const busy = await occupyPort();
    try {
      await port.fill(String(busy.port));
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.locator('#port-error', { hasText: `Port ${busy.port} is already in use` }).waitFor();
      assert.equal((await fetch(`http://127.0.0.1:${moved}/__heartbeat__`)).status, 200, 'still serving');
    } finally {
      await busy.release();
    }

    // Back to the stack's own port, for the tests after this one.
    await port.fill(String(stack.syncPort));
    await saveSettings();
    await page
      .getByTestId('announcer')
      .filter({ hasText: `Settings saved. The server now listens on port ${stack.syncPort}.` })
      .waitFor();
    assert.equal((await fetch(`${stack.syncUrl}__heartbeat__`)).status, 200);
  });

  test('a Sync request shows up in the live log, explained in plain words, and the filters narrow it', async () => {
    await adminCall('createAccount', { kind: 'sync11', name: 'gui-bob', password: 'bob-password-123' });
    await open('logs', 'Logs');

    assert.equal(await sync11Status('gui-bob', 'not-his-password'), 401);
    const put = await fetch(`${stack.syncUrl}1.1/gui-bob/storage/bookmarks/menu1`, {
      method: 'PUT',
      headers: {
        Authorization: basicAuth('gui-bob', 'bob-password-123'),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ id: 'menu1', payload: '{"title":"Menu"}' }),
    });
    assert.equal(put.status, 200, await put.text());

    const failed = page
      .locator('.log-row', { hasText: `/1.1/gui-bob/info/collections` })
      .filter({ hasText: '401' });
    await failed.waitFor();
    await failed.getByText('Wrong username or password').waitFor();
    const written = page.locator('.log-row', { hasText: '/1.1/gui-bob/storage/bookmarks/menu1' });
    await written.waitFor();

    await page.getByLabel('Status', { exact: true }).selectOption('failures');
    await written.waitFor({ state: 'detached' });
    await failed.waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('all');
    await page.getByLabel('User', { exact: true }).fill('nobody-like-this');
    await failed.waitFor({ state: 'detached' });
    await page.getByLabel('User', { exact: true }).fill('');
    await written.waitFor();
    await shoot('logs');
  });

  test('the accounts table shows storage and collections of a user who synced', async () => {
    await open('accounts', 'Accounts');
    const row = page.locator('tr[data-account="gui-bob"]');
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[0], 'Sync 1.1');
    assert.match(cells[1] ?? '', /^\d+(\.\d)? (B|KB)$/);
    assert.equal(cells[2], '1');

    // A local account after Firefox synced: one row with its device and storage, no Sync 1.5 twin.
    const email = 'family@example.org';
    await adminCall('createAccount', { kind: 'local', name: email, password: 'family-password-1' });
    await syncAsFirefox(email, 'family-password-1', 'Firefox on the family laptop');
    const local = page.locator('tr[data-kind="local"]', { hasText: email });
    await local.getByTestId('devices').getByText('Devices: Firefox on the family laptop').waitFor();
    const localCells = await local.locator('td').allTextContents();
    assert.match(localCells[1] ?? '', /^\d+(\.\d)? (B|KB)$/);
    assert.equal(localCells[2], '1');
    assert.equal(await page.locator('tr[data-kind="sync15"]').count(), 0);
    const listed = await adminCall<AccountSummary[]>('listAccounts');
    assert.deepEqual(
      listed.filter((a) => a.label === email).map((a) => a.kind),
      ['local'],
    );
    await shoot('accounts');
  });

  test('Setup help shows the about:config value with copy buttons', async () => {
    await open('setup', 'Setup help');
    // Firefox without a Mozilla account: the two values, the root without its trailing slash.
    const root = stack.syncUrl.replace(/\/$/, '');
    const local = page.getByTestId('setup-local');
    await local.getByRole('heading', { name: 'Firefox without a Mozilla account' }).waitFor();
    const autoconfig = local.locator('tr', { hasText: 'identity.fxaccounts.autoconfig.uri' });
    await autoconfig.getByText(root, { exact: true }).waitFor();
    await autoconfig
      .getByRole('button', { name: 'Copy value: value of identity.fxaccounts.autoconfig.uri' })
      .click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), root);
    const allowHttp = local.locator('tr', { hasText: 'identity.fxaccounts.allowHttp' });
    await allowHttp.getByText('true', { exact: true }).waitFor();
    await allowHttp
      .getByRole('button', { name: 'Copy name: preference name identity.fxaccounts.allowHttp' })
      .click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), 'identity.fxaccounts.allowHttp');
    assert.equal(await local.getByText('identity.sync.tokenserver.uri', { exact: true }).count(), 0);
    await page.getByRole('heading', { name: 'Firefox with a Mozilla account' }).waitFor();
    await page.getByText(`Enter ${root} and tap OK.`).waitFor();

    const row = page.locator('.prefs-table tr', { hasText: 'identity.sync.tokenserver.uri' });
    await row.getByText(`${stack.syncUrl}1.0/sync/1.5`, { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Copy value: value of identity.sync.tokenserver.uri' }).click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), `${stack.syncUrl}1.0/sync/1.5`);
    // The picture shows the top of the page, with the buttons back from "✓ Copied".
    await autoconfig
      .getByRole('button', { name: 'Copy value: value of identity.fxaccounts.autoconfig.uri' })
      .waitFor();
    await allowHttp
      .getByRole('button', { name: 'Copy name: preference name identity.fxaccounts.allowHttp' })
      .waitFor();
    await page.getByRole('heading', { level: 1, name: 'Setup help' }).scrollIntoViewIfNeeded();
    await shoot('setup');
  });

  test('backs up to a file that is a SQLite database, and refuses a relative path first', async () => {
    await open('backup', 'Backup');
    const input = page.getByLabel('Save the backup as');
    await input.fill('relative/backup.db');
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.locator('#backup-path-error', { hasText: 'full path' }).waitFor();

    const destination = path.join(tempDir, 'foxden-backup.db');
    await input.fill(destination);
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.getByTestId('backup-result').waitFor();
    const header = Buffer.alloc(100);
    const fd = fs.openSync(destination, 'r');
    try {
      fs.readSync(fd, header, 0, 100, 0);
    } finally {
      fs.closeSync(fd);
    }
    assert.equal(header.subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
    assert.equal(header[18], 1, 'a self-contained backup (journal mode DELETE)');
    assert.deepEqual(
      fs.readdirSync(tempDir).filter((n) => n.startsWith('foxden-backup.db')),
      ['foxden-backup.db'],
      'no -wal/-shm beside it',
    );

    // The same file again: the dashboard asks before replacing a Foxden backup.
    await page.getByRole('button', { name: 'Back up now' }).click();
    const ask = page.getByRole('dialog', { name: 'Replace the existing backup?' });
    await ask.getByRole('button', { name: 'Replace it' }).click();
    await page.getByTestId('backup-result').waitFor();
    await ask.waitFor({ state: 'hidden' });

    // Anything else is refused, and left as it was.
    const notes = path.join(tempDir, 'notes.txt');
    fs.writeFileSync(notes, 'not a backup\n');
    await input.fill(notes);
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.locator('#backup-path-error', { hasText: 'not a Foxden backup' }).waitFor();
    assert.equal(fs.readFileSync(notes, 'utf8'), 'not a backup\n');
    await input.fill(destination);

    // The schedule: the default folder with its hint, and a backup into it now.
    await page
      .getByTestId('backup-schedule')
      .getByText('Every day, keeping the last 7', { exact: false })
      .waitFor();
    await page.getByRole('button', { name: 'Back up to the folder now' }).click();
    await page.getByTestId('backup-last-good').getByText('foxden-backup-', { exact: false }).waitFor();
    await shoot('backup');
  });

  test('restores that backup after a confirmation: accounts made since are gone, older ones stay', async () => {
    await adminCall('createAccount', { kind: 'sync11', name: 'after-backup', password: 'made-too-late-1' });
    assert.ok((await accountIds()).includes('after-backup'));
    await open('backup', 'Backup');
    await page.getByLabel('Backup file').fill(path.join(tempDir, 'foxden-backup.db'));
    await page.getByRole('button', { name: 'Restore…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Restore from this backup?' });
    await confirm.getByRole('button', { name: 'Replace everything and restore' }).click();
    await page.getByText('Restored from', { exact: false }).waitFor();
    await page
      .getByTestId('restore-result')
      .getByText('The previous database was kept as', { exact: false })
      .waitFor();
    const ids = await accountIds();
    assert.ok(!ids.includes('after-backup'), ids.join());
    assert.ok(ids.includes('gui-bob'), ids.join());
    await page.locator('.sidebar [data-state="running"]').waitFor();
    assert.equal(await sync11Status('gui-bob', 'bob-password-123'), 200);
  });

  test('HTTPS: Automatic in Settings, then Status shows the certificate and the CA fingerprint, Setup the trust steps', async () => {
    await open('settings', 'Settings');
    const httpsCard = page.getByTestId('settings-https');
    // Own files: the two paths appear, with the schema's checks next to them.
    await httpsCard.getByRole('radio', { name: /^My own certificate files/ }).check();
    const certFile = page.getByRole('textbox', { name: 'Certificate file' });
    await certFile.fill('certs/foxden.pem');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('#tlsCertFile-error', { hasText: 'must be a full path' }).waitFor();
    await page.locator('#tlsKeyFile-error', { hasText: 'needs its key file' }).waitFor();
    assert.equal(await certFile.getAttribute('aria-invalid'), 'true');
    assert.equal((await adminCall<{ https: string }>('getSettings')).https, 'off', 'nothing saved');

    await httpsCard.getByRole('radio', { name: /^Automatic/ }).check();
    await certFile.waitFor({ state: 'detached' });
    await saveSettings();
    const httpsUrl = stack.syncUrl.replace(/^http:/, 'https:');
    await page
      .getByTestId('announcer')
      .filter({ hasText: `The public URL is now ${httpsUrl}, so clients are told to use HTTPS.` })
      .waitFor();
    // Through the server: the port speaks HTTPS with a certificate from the data folder's CA.
    const ca = readHouseholdCa(stack.dataDir);
    assert.ok(ca, 'the household CA was made');
    const settings = await adminCall<{ https: string; publicUrl: string }>('getSettings');
    assert.deepEqual([settings.https, settings.publicUrl], ['auto', httpsUrl]);
    assert.equal(await httpsStatus(`${httpsUrl}__heartbeat__`, ca.pem), 200);

    await open('status', 'Status');
    const card = page.getByTestId('status-certificate');
    await card.getByRole('heading', { name: 'HTTPS certificate' }).waitFor();
    await card.getByText('Automatic, from Foxden’s household CA').waitFor();
    await page.getByTestId('certificate-names').getByText('127.0.0.1', { exact: true }).waitFor();
    await page.getByTestId('ca-fingerprint').getByText(ca.fingerprint256, { exact: true }).waitFor();
    assert.match((await page.getByTestId('certificate-expiry').textContent()) ?? '', /\(in \d+ days\)$/);

    await open('setup', 'Setup help');
    const trust = page.getByTestId('setup-trust');
    await trust.getByRole('heading', { name: 'Trust this server’s certificate' }).waitFor();
    // Over plain HTTP on the same port: no certificate warning before the CA is trusted.
    await trust.getByText(`${stack.syncUrl}ca.crt`, { exact: true }).waitFor();
    await trust.getByText(ca.fingerprint256, { exact: true }).waitFor();
    await trust
      .getByText('Settings → Privacy & Security → Certificates → View Certificates', { exact: false })
      .waitFor();
    await trust.getByText('“Use third party CA certificates”', { exact: false }).waitFor();
    await trust.getByRole('heading', { name: 'Pale Moon' }).waitFor();
    await page.getByTestId('local-prefs').getByText('identity.fxaccounts.autoconfig.uri').waitFor();
    assert.equal(await page.getByTestId('local-prefs').getByText('identity.fxaccounts.allowHttp').count(), 0);

    // Off again for the tests after this one: plain HTTP and the http:// URL come back.
    await open('settings', 'Settings');
    await page.getByTestId('settings-https').getByRole('radio', { name: /^Off/ }).check();
    await saveSettings();
    await page
      .getByTestId('announcer')
      .filter({ hasText: `The public URL is now ${stack.syncUrl}, so clients are told to use plain HTTP.` })
      .waitFor();
    assert.equal((await fetch(`${stack.syncUrl}__heartbeat__`)).status, 200);
  });

  test('keyboard: the skip link comes first and the navigation is made of real buttons', async () => {
    // A fresh load (the token is kept for the tab) so focus starts at the top of the page.
    await page.goto(stack.admin.url);
    await page.locator('.view-header [data-state="running"]').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content');
    await page.getByRole('button', { name: 'Status', exact: true }).focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("data-view")'), 'accounts');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
  });

  test('the theme toggle switches to dark', async () => {
    await open('status', 'Status');
    const toggle = page.locator('.theme-toggle');
    for (
      let i = 0;
      i < 3 && (await page.evaluate('document.documentElement.dataset.theme')) !== 'dark';
      i++
    ) {
      await toggle.click();
    }
    assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark');
    assert.equal(await page.evaluate('getComputedStyle(document.body).colorScheme'), 'dark');
    await shoot('status-dark');
  });

  test('no page errors and no Content-Security-Policy violations along the way', () => {
    assert.deepEqual(pageProblems, []);
  });
});
