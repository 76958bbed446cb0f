// Real Firefox ESR, headless over WebDriver BiDi, signs up and in to a real `foxden serve`
// child process on loopback, then syncs (fxa-local.md §10). What is asserted is server state
// and what Firefox leaves on disk, each with a deadline; nothing waits on a bare sleep.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'puppeteer-core';
import {
  FIREFOX,
  firefoxPrefs,
  launchFirefox,
  startFoxdenCli,
  syncLogs,
  until,
  writeBookmarksHtml,
  type FoxdenProcess,
} from './firefox-harness.js';
import { SyncReader } from './firefox-sync-reader.js';

const CANARY_TITLE = 'Foxden canary';
const CANARY_URL = 'https://canary.foxden.invalid/canary';
const EMAIL = 'household@foxden.test';
const PASSWORD = 'correct horse battery staple';
/** The whole file's budget; a loaded 2-core CI machine needs most of it only when something is wrong. */
const FILE_DEADLINE_MS = 180_000;

const skip = fs.existsSync(FIREFOX)
  ? false
  : `Firefox ESR is not installed at ${FIREFOX} (apt-get install -y firefox-esr); skipping the real-Firefox sign-in test.`;

describe(
  'Firefox ESR signs in to Foxden local accounts and syncs',
  { skip, timeout: FILE_DEADLINE_MS },
  () => {
    let tmp: string;
    let foxden: FoxdenProcess;
    const browsers: Browser[] = [];

    before(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-firefox-'));
      foxden = await startFoxdenCli(path.join(tmp, 'data'));
    });

    after(async () => {
      for (const browser of browsers) await browser.close().catch(() => undefined);
      await foxden?.stop();
      // FOXDEN_KEEP_FIREFOX_PROFILES=1 keeps the profiles (weave/logs, prefs.js) for debugging.
      if (process.env.FOXDEN_KEEP_FIREFOX_PROFILES === '1') console.log(`profiles kept in ${tmp}`);
      else fs.rmSync(tmp, { recursive: true, force: true });
    });

    async function openFirefox(
      profile: string,
      prefs: Record<string, unknown>,
    ): Promise<{ browser: Browser; page: Page; dir: string }> {
      const dir = path.join(tmp, profile);
      const browser = await launchFirefox(dir, prefs);
      browsers.push(browser);
      const page = await browser.newPage();
      return { browser, page, dir };
    }

    async function closeFirefox(browser: Browser): Promise<void> {
      browsers.splice(browsers.indexOf(browser), 1);
      await browser.close();
    }

    /** Fills the page's form like a person; returns what the page ended up showing. */
    /** Submits the form like a person; returns what the page shows afterwards. */
    async function submitForm(page: Page, email: string, password: string, confirm?: string) {
      // Strings, not functions: they run in the page, and this file is type-checked without the DOM lib.
      await page.evaluate(
        "for (const id of ['email', 'password', 'password-confirm']) document.getElementById(id).value = ''",
      );
      await page.type('#email', email);
      await page.type('#password', password);
      if (confirm !== undefined) await page.type('#password-confirm', confirm);
      await page.click('#submit');
      await page.waitForFunction(
        "document.body.dataset.state === 'done' || document.getElementById('error').hidden === false",
        { timeout: 90_000, polling: 250 },
      );
      return (await page.evaluate(
        "({ state: document.body.dataset.state, error: document.getElementById('error').textContent })",
      )) as { state: string; error: string };
    }

    async function useSignInPage(page: Page, mode: 'signin' | 'signup'): Promise<void> {
      await page.goto(foxden.url);
      await page.waitForSelector('body[data-state="account"]', { timeout: 20_000 });
      if (mode === 'signup') await page.click('#tab-signup');
      if (mode === 'signin') {
        // The plain-words errors, seen in the real browser before the real sign-in.
        let shown = await submitForm(page, EMAIL, 'not the password');
        assert.match(shown.error, /not the password for household@foxden\.test/);
        shown = await submitForm(page, 'nobody@foxden.test', PASSWORD);
        assert.match(shown.error, /no account for nobody@foxden\.test/);
      }
      const shown = await submitForm(page, EMAIL, PASSWORD, mode === 'signup' ? PASSWORD : undefined);
      assert.equal(shown.state, 'done', `the sign-in page showed an error: ${shown.error}`);
    }

    /** A second device's view of the account, from the e-mail and password alone. */
    let reader: SyncReader;
    let profileA: { browser: Browser; page: Page; dir: string };

    test(
      'profile A signs up on the page and its first sync reaches the server',
      { timeout: 120_000 },
      async () => {
        const bookmarks = path.join(tmp, 'bookmarks.html');
        writeBookmarksHtml(bookmarks, CANARY_TITLE, CANARY_URL);
        profileA = await openFirefox('profile-a', await firefoxPrefs(foxden.url, bookmarks));
        await useSignInPage(profileA.page, 'signup');

        reader = await until('the account to sign in from the test', 20_000, () =>
          SyncReader.signIn(foxden.url, EMAIL, PASSWORD),
        );
        const collections = await until(
          'the first sync to upload meta, keys, clients and bookmarks',
          60_000,
          async () => {
            const c = await reader.collections();
            return ['meta', 'crypto', 'clients', 'bookmarks'].every((name) => name in c) ? c : undefined;
          },
        );
        assert.ok(collections.bookmarks! > 0);

        // Firefox's own calls after oauth_login, in the order of §3.5 (the request log on stdout).
        const log = foxden.output.join('\n');
        const at = (re: RegExp) => log.search(re);
        const code = at(/POST \S*oauth\/token 200/);
        const destroy = at(/POST \S*oauth\/destroy 200/);
        const tokenserver = at(/GET \/1\.0\/sync\/1\.5 200/);
        assert.ok(code >= 0 && destroy > code && tokenserver > destroy, `unexpected request order:\n${log}`);
      },
    );

    test('the seeded bookmark decrypts from the server with only the e-mail and password', async () => {
      const records = await until('the canary bookmark record', 30_000, async () => {
        const all = await reader.decryptedRecords('bookmarks');
        return all.some((r) => r.title === CANARY_TITLE) ? all : undefined;
      });
      const canary = records.find((r) => r.title === CANARY_TITLE)!;
      assert.equal(canary.bmkUri, CANARY_URL);
      assert.equal(canary.type, 'bookmark');
      assert.match(reader.kid, /^\d{13}-[A-Za-z0-9_-]{22}$/);
    });

    test(
      'profile B signs in with the same password and ends up with the same bookmark',
      { timeout: 120_000 },
      async () => {
        // The log file is written when a whole sync ends (§10.4): after bookmarks come history, tabs…
        await until(
          'profile A to finish its first sync (a sync log with the bookmarks engine)',
          60_000,
          async () =>
            syncLogs(profileA.dir).some((text) => /Sync\.Engine\.Bookmarks\s+INFO\s+Records:/.test(text))
              ? true
              : undefined,
        );
        await closeFirefox(profileA.browser);

        const b = await openFirefox('profile-b', await firefoxPrefs(foxden.url));
        await useSignInPage(b.page, 'signin');
        await until('a second client record (profile B synced)', 60_000, async () => {
          const clients = await reader.records('clients');
          return clients.length >= 2 ? clients : undefined;
        });
        const applied = /Sync\.Engine\.Bookmarks\s+INFO\s+Records: (\d+) applied, (\d+) successfully/;
        const logB = await until('profile B to finish a sync with the bookmarks engine', 60_000, async () =>
          syncLogs(b.dir).find((text) => applied.test(text)),
        );
        await closeFirefox(b.browser);
        const [, count, ok] = applied.exec(logB)!;
        assert.ok(Number(count) > 0 && ok === count, `profile B applied ${ok} of ${count} bookmark records`);
        const places = new Database(path.join(b.dir, 'places.sqlite'), {
          readonly: true,
          fileMustExist: true,
        });
        try {
          const row = places
            .prepare(
              'SELECT p.url AS url FROM moz_bookmarks b JOIN moz_places p ON p.id = b.fk WHERE b.title = ?',
            )
            .get(CANARY_TITLE) as { url: string } | undefined;
          assert.equal(row?.url, CANARY_URL, 'profile B has the canary bookmark');
        } finally {
          places.close();
        }
      },
    );

    test('a Firefox not pointed at Foxden gets "No Such Channel" and the page explains about:config', async () => {
      const root = foxden.url.replace(/\/$/, '');
      // Only what a user sets before restarting; remote.root is still Mozilla's, so the channel is refused.
      const c = await openFirefox('profile-c', {
        'identity.fxaccounts.autoconfig.uri': root,
        'identity.fxaccounts.allowHttp': true,
      });
      await c.page.goto(foxden.url);
      await c.page.waitForSelector('body[data-state="setup"]', { timeout: 20_000 });
      const text = (await c.page.evaluate("document.getElementById('setup').textContent")) as string;
      assert.match(text, /different accounts server/);
      assert.match(text, /identity\.fxaccounts\.autoconfig\.uri/);
      assert.ok(text.includes(root));
      assert.match(text, /identity\.fxaccounts\.allowHttp/);
      await closeFirefox(c.browser);
    });
  },
);
