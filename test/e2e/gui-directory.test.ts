// The admin GUI over the household directory (issue 14 item 4) in a real headless Chromium
// against the real headless stack with `[auth] backend = ldap` settings pointing at a real
// OpenLDAP: Accounts lists a directory person and shows the directory's sentence in place of
// Sync 1.1's create, reset and delete; Settings shows the directory read-only and "Test
// connection" lists each step, and the failed one. Each check is made in the page and through
// the admin API over HTTP.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { AccountSummary } from '../../server/admin/api.js';
import { callAdmin } from '../helpers/admin-http.js';
import {
  LDAP_BASE,
  LDAP_SERVICE,
  LDAP_SYNC_GROUP,
  PEOPLE,
  slapdSkipReason,
  startSlapd,
  type TestSlapd,
} from '../helpers/slapd.js';
import { testDirectorySettings } from '../helpers/slapd-directory.js';
import { basicAuth, raw } from '../helpers/sync11-client.js';
import { CHROMIUM, launchChromium } from './chromium.js';
import { startGuiStack, type GuiStack } from './gui-stack.js';

const WAIT_MS = 15_000;
const SENTENCE = 'Sync 1.1 accounts are managed by the household directory (LDAP)';

const skip = !fs.existsSync(CHROMIUM)
  ? `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium); skipping the GUI browser tests.`
  : slapdSkipReason();

describe('admin GUI: directory accounts', { skip, timeout: 180_000 }, () => {
  let slapd: TestSlapd;
  let stack: GuiStack;
  let browser: Browser;
  let page: Page;

  before(async () => {
    slapd = await startSlapd();
    stack = await startGuiStack({
      directory: testDirectorySettings(slapd),
    });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(stack.admin.dashboardUrl);
    await page.locator('.view-header [data-state="running"]').waitFor();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
    await slapd?.close();
  });

  async function open(view: string, title: string): Promise<void> {
    await page.click(`nav [data-view="${view}"]`);
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  }

  test('Accounts: a directory person after a Sync 1.1 sign-in, and the sentence instead of the create form', async () => {
    // Before anyone synced, the empty list says where people come from.
    await open('accounts', 'Accounts');
    await page.getByText('Nobody from the directory has synced yet').waitFor();
    const { uid, password } = PEOPLE.alice;
    const put = await raw(`${stack.syncUrl}1.1/${uid}/storage/bookmarks/rec1`, 'PUT', {
      headers: { Authorization: basicAuth(uid, password) },
      json: { id: 'rec1', payload: '{"ciphertext":"x"}' },
    });
    assert.equal(put.status, 200, put.text);
    const listed = (await callAdmin<AccountSummary[]>(stack.admin, 'listAccounts')).body;
    assert.equal(listed.length, 1);
    const alice = listed[0] as AccountSummary;

    // The list polls every 5 s; the person shows within that.
    const row = page.locator(`tr[data-kind="directory"][data-account="${alice.id}"]`);
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /Alice Liddell/);
    assert.match(text, /Directory/);
    assert.match(text, /Managed in the directory/);
    assert.equal(await row.getByRole('button').count(), 0, 'no reset or delete for a directory person');

    const note = page.getByTestId('directory-accounts-note');
    await note.waitFor();
    const said = await note.innerText();
    assert.ok(said.includes(SENTENCE), said);
    assert.match(said, /Local accounts are made by the household directory/);
    // The form is gone, not merely failing: no fields, no Create button.
    assert.equal(await page.locator('#new-name, input[name="kind"]').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Create account' }).count(), 0);
  });

  test('Settings: the directory read-only, and Test connection step by step', async () => {
    await open('settings', 'Settings');
    const card = page.getByTestId('settings-directory');
    await card.getByRole('heading', { name: 'Accounts directory (LDAP)' }).waitFor();
    const shown = await card.innerText();
    assert.ok(shown.includes(slapd.url), shown);
    assert.ok(shown.includes(LDAP_BASE));
    assert.ok(shown.includes(LDAP_SYNC_GROUP));
    assert.equal(shown.includes(LDAP_SERVICE.password), false, 'never the bind password');

    await card.getByLabel('Name to look up (optional)').fill('alice');
    await card.getByRole('button', { name: 'Test connection' }).click();
    const steps = card.getByTestId('directory-steps');
    await steps.locator('[data-step="passed"]').waitFor();
    assert.equal(await steps.locator('[data-step="ok"]').count(), 3);
    assert.match(await steps.innerText(), /Found uid=alice,ou=people/);

    await card.getByLabel('Name to look up (optional)').fill('dave');
    await card.getByRole('button', { name: 'Test connection' }).click();
    const failed = steps.locator('[data-step="failed"]');
    await failed.waitFor();
    assert.match(
      await failed.innerText(),
      /^Failed \(not in the group\): uid=dave,.* is not a member of cn=sync/,
    );
    assert.equal(await steps.locator('[data-step="ok"]').count(), 2);
  });
});
