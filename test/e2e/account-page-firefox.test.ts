// The account page in real Firefox ESR (research firefox-device-commands §4): profile A signs
// up on Foxden's page, opens "Manage account" (/settings), which takes Firefox's own session
// over the WebChannel; a password change there hands Firefox its new session, so A stays
// signed in (the page, opened again, still finds a live session in Firefox) and its device
// keeps its id. Asserted on server state and on what Firefox shows; deadlines, no bare sleeps.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { FIREFOX, startFoxdenCli, until, type FoxdenProcess } from './firefox-harness.js';
import { FirefoxSyncFlow, removeProfiles } from './firefox-sync-flow.js';
import { SyncReader } from './firefox-sync-reader.js';

const FILE_DEADLINE_MS = 240_000;
/** The account FirefoxSyncFlow signs profile A up with, and the bookmark it seeds. */
const EMAIL = 'household@foxden.test';
const PASSWORD = 'correct horse battery staple';
const CANARY_TITLE = 'Foxden canary';
const NEW_PASSWORD = 'a brand new household password';

const skip = fs.existsSync(FIREFOX)
  ? false
  : `Firefox ESR is not installed at ${FIREFOX} (apt-get install -y firefox-esr); skipping the real-Firefox account page test.`;

interface Row {
  id: string;
  session_id: string | null;
  name: string;
}

describe('the account page in Firefox ESR', { skip, timeout: FILE_DEADLINE_MS }, () => {
  let tmp: string;
  let foxden: FoxdenProcess;
  let flow: FirefoxSyncFlow;

  /** The server's device rows, read from its SQLite file (the CLI holds it in WAL mode). */
  function devices(): Row[] {
    const db = new Database(path.join(tmp, 'data', 'foxden.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT id, session_id, name FROM fxa_devices').all() as Row[];
    } finally {
      db.close();
    }
  }

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-account-page-'));
    foxden = await startFoxdenCli(path.join(tmp, 'data'));
    flow = new FirefoxSyncFlow(tmp, foxden);
  });

  after(async () => {
    await flow?.closeAll();
    await foxden?.stop();
    removeProfiles(tmp);
  });

  test(
    'Manage account: Firefox’s session, a password change that keeps Firefox signed in',
    { timeout: 200_000 },
    async () => {
      const a = await flow.profileASignsUpAndSyncs();
      const registered = await until('profile A to register its device', 30_000, async () => {
        const rows = devices().filter((d) => d.session_id !== null);
        return rows.length === 1 ? rows[0] : undefined;
      });

      const page = a.page;
      await page.goto(`${foxden.url}settings?context=oauth_webchannel_v1&entrypoint=menupanel`);
      await page.waitForSelector('body[data-state="manage"]', { timeout: 20_000 });
      assert.equal(await page.evaluate("document.getElementById('manage-email').textContent"), EMAIL);
      assert.equal(await page.evaluate("document.getElementById('manage-firefox').hidden"), false);
      await page.waitForFunction("document.querySelectorAll('#device-list li').length > 0", {
        timeout: 20_000,
      });
      const listed = (await page.evaluate("document.getElementById('device-list').textContent")) as string;
      assert.match(listed, /This Firefox/);

      await page.type('#old-password', PASSWORD);
      await page.type('#new-password', NEW_PASSWORD);
      await page.type('#new-password-confirm', NEW_PASSWORD);
      await page.click('#password-submit');
      await page.waitForFunction(
        "/Password changed|did not take/.test(document.getElementById('result').textContent) || document.getElementById('password-error').hidden === false",
        { timeout: 90_000, polling: 250 },
      );
      const result = (await page.evaluate(
        "document.getElementById('result').textContent + document.getElementById('password-error').textContent",
      )) as string;
      assert.match(result, /Password changed\. This Firefox stays signed in/);

      // Firefox took the new session: re-registers (device: null) from it and finds the same device.
      await until('profile A to re-register its device from the new session', 30_000, async () => {
        const row = devices().find((d) => d.id === registered.id);
        return row && row.session_id !== null && row.session_id !== registered.session_id ? row : undefined;
      });
      assert.equal(devices().filter((d) => d.session_id !== null).length, 1, 'no second device for A');
      // Opened again, the page gets a live session from Firefox: A is still signed in.
      await page.goto(`${foxden.url}settings`);
      await page.waitForSelector('body[data-state="manage"]', { timeout: 20_000 });

      // The data stays readable with the new password (same kB), and the old one is refused.
      const reader = await SyncReader.signIn(foxden.url, EMAIL, NEW_PASSWORD);
      const bookmarks = await reader.decryptedRecords('bookmarks');
      assert.ok(
        bookmarks.some((r) => r.title === CANARY_TITLE),
        'the bookmark synced before the change decrypts with the new password',
      );
      await assert.rejects(SyncReader.signIn(foxden.url, EMAIL, PASSWORD));
    },
  );
});
