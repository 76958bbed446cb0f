// The database line of the admin GUI (issue 10, item 7) in a real headless Chromium against the
// real headless stack: Settings and Status show which database is in use (the SQLite file, or
// a database server's URL without its password), and a PostgreSQL that stops while Foxden
// serves shows in the warnings on Status with what to check, then goes away by itself.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { DatabaseLocation } from '../../server/db/database-url.js';
import {
  privatePostgresProblem,
  startPrivatePostgres,
  type PrivatePostgres,
} from '../helpers/private-postgres.js';
import { CHROMIUM, launchChromium } from './chromium.js';
import { startGuiStack, type GuiStack } from './gui-stack.js';

const WAIT_MS = 15_000;
/** The warnings banner is read every 10 s, the status every 2 s. */
const WARNING_WAIT_MS = 40_000;
const DB_SECRET = 'gui-db-Secret-9';

const skip = fs.existsSync(CHROMIUM)
  ? false
  : `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium); skipping the GUI browser tests.`;

describe('admin GUI: the database in use', { skip, timeout: 180_000 }, () => {
  const closers: (() => Promise<unknown>)[] = [];
  let browser: Browser | null = null;

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await browser?.close();
  });

  async function openDashboard(database?: DatabaseLocation): Promise<{ stack: GuiStack; page: Page }> {
    const stack = await startGuiStack(database ? { database } : {});
    closers.push(() => stack.close());
    browser ??= await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    closers.push(() => context.close());
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(stack.admin.dashboardUrl);
    await page.locator('.view-header [data-state="running"]').waitFor();
    return { stack, page };
  }

  async function settingsDatabase(page: Page): Promise<string> {
    await page.click('nav [data-view="settings"]');
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    const card = page.getByTestId('settings-database');
    await card.getByRole('heading', { name: 'Database' }).waitFor();
    return card.innerText();
  }

  test('SQLite: Settings and Status show the database file', async () => {
    const { stack, page } = await openDashboard();
    const statusLine = await page.getByTestId('status-database').innerText();
    assert.match(statusLine, /^SQLite /);
    assert.ok(statusLine.includes(stack.dataDir), statusLine);
    const text = await settingsDatabase(page);
    assert.match(text, /In use\s+SQLite/);
    assert.match(
      text,
      new RegExp(`File\\s+${stack.dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\S+\\.db`),
    );
    // Read-only: nothing in the card can be edited.
    assert.equal(await page.getByTestId('settings-database').locator('input, select, textarea').count(), 0);
  });

  test('PostgreSQL: the location without its password; an outage shows on Status and clears', async (t) => {
    const problem = privatePostgresProblem();
    if (problem) return t.skip(problem);
    const pg: PrivatePostgres = await startPrivatePostgres();
    closers.push(() => pg.destroy());
    // Trust authentication accepts any password: one in the URL proves it is never shown.
    const url = new URL(pg.url);
    url.password = DB_SECRET;
    const { page } = await openDashboard({ kind: 'postgres', url: url.href, display: pg.url });

    assert.equal(await page.getByTestId('status-database').innerText(), `PostgreSQL ${pg.url}`);
    const text = await settingsDatabase(page);
    assert.match(text, /In use\s+PostgreSQL/);
    assert.ok(text.replace(/\s+/g, ' ').includes(`Location ${pg.url}`), text);
    assert.ok(!(await page.content()).includes(DB_SECRET), 'the password is not in the page');

    await page.click('nav [data-view="status"]');
    await page.getByRole('heading', { level: 1, name: 'Status' }).waitFor();
    await pg.stop();
    const warning = page.locator('[data-warning="database-unreachable"]');
    await warning.waitFor({ timeout: WARNING_WAIT_MS });
    const said = await warning.innerText();
    assert.match(
      said,
      new RegExp(`Foxden cannot reach PostgreSQL at 127\\.0\\.0\\.1:${url.port}, database foxden: `),
    );
    assert.match(said, /Check that the database server is running and that the address, user and password/);
    await page.getByTestId('database-problem').waitFor();
    assert.ok(!(await page.content()).includes(DB_SECRET), 'the password is not in the page');

    await pg.start();
    await warning.waitFor({ state: 'detached', timeout: WARNING_WAIT_MS });
    await page.getByTestId('database-problem').waitFor({ state: 'detached' });
  });
});
