// The household scenario both real-Firefox tests walk through (fxa-local.md §10.3), over
// http or https: profile A signs up on Foxden's own page and syncs a seeded bookmark, a
// second device decrypts it with only the e-mail and password, profile B signs in and ends up
// with the bookmark. What is asserted is server state and what Firefox leaves on disk, each
// with a deadline; nothing waits on a bare sleep.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'puppeteer-core';
import {
  firefoxPrefs,
  launchFirefox,
  syncLogs,
  until,
  writeBookmarksHtml,
  type FoxdenProcess,
} from './firefox-harness.js';
import { SyncReader } from './firefox-sync-reader.js';
import type { Fetch } from './trusting-fetch.js';

export const CANARY_TITLE = 'Foxden canary';
export const CANARY_URL = 'https://canary.foxden.invalid/canary';
export const EMAIL = 'household@foxden.test';
export const PASSWORD = 'correct horse battery staple';

export interface FirefoxWindow {
  browser: Browser;
  page: Page;
  dir: string;
  /** The prefs it was launched with, for assertions on what a profile needs. */
  prefs: Record<string, unknown>;
}

export interface FlowOptions {
  /** How the test reaches the server itself (over https, a fetch that trusts its CA). */
  fetch?: Fetch;
  /** Runs on each new profile directory before Firefox first opens it (e.g. trusting a CA). */
  prepareProfile?: (dir: string) => void;
  /** Prefs every profile gets on top of the §10.2 ones (e.g. shorter sync intervals). */
  extraPrefs?: Record<string, unknown>;
  /** Command-line switches for every Firefox (e.g. firefox-chrome.ts FIREFOX_SYSTEM_ACCESS_ARGS). */
  firefoxArgs?: string[];
  /** Runs once each Firefox is up, before anything is done in it (e.g. attaching to its chrome). */
  onOpen?: (window: FirefoxWindow, profile: string) => Promise<void>;
}

export class FirefoxSyncFlow {
  private readonly browsers: Browser[] = [];
  private readonly fetchImpl: Fetch;
  /** A second device's view of the account, from the e-mail and password alone. */
  private reader: SyncReader | undefined;
  private profileA: FirefoxWindow | undefined;

  constructor(
    private readonly tmp: string,
    private readonly foxden: FoxdenProcess,
    private readonly options: FlowOptions = {},
  ) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** The §10.2 prefs from the server's discovery document, fetched the way this flow trusts it. */
  async prefs(bookmarksFile?: string): Promise<Record<string, unknown>> {
    return {
      ...(await firefoxPrefs(this.foxden.url, bookmarksFile, this.fetchImpl)),
      ...this.options.extraPrefs,
    };
  }

  /** A new profile `tmp/<profile>`; `prepare: false` skips the flow's prepareProfile. */
  async openFirefox(
    profile: string,
    prefs: Record<string, unknown>,
    { prepare = true }: { prepare?: boolean } = {},
  ): Promise<FirefoxWindow> {
    const dir = path.join(this.tmp, profile);
    if (prepare) this.options.prepareProfile?.(dir);
    const browser = await launchFirefox(dir, prefs, this.options.firefoxArgs);
    this.browsers.push(browser);
    const page = await browser.newPage();
    const window = { browser, page, dir, prefs };
    await this.options.onOpen?.(window, profile);
    return window;
  }

  async closeFirefox(browser: Browser): Promise<void> {
    this.browsers.splice(this.browsers.indexOf(browser), 1);
    await browser.close();
  }

  async closeAll(): Promise<void> {
    for (const browser of this.browsers.splice(0)) await browser.close().catch(() => undefined);
  }

  /** Profile A signs up on the page; its first sync uploads meta, keys, clients and bookmarks. */
  async profileASignsUpAndSyncs(): Promise<FirefoxWindow> {
    const bookmarks = path.join(this.tmp, 'bookmarks.html');
    writeBookmarksHtml(bookmarks, CANARY_TITLE, CANARY_URL);
    this.profileA = await this.openFirefox('profile-a', await this.prefs(bookmarks));
    await this.signInOnPage(this.profileA.page, 'signup');

    const reader = await until('the account to sign in from the test', 20_000, () =>
      SyncReader.signIn(this.foxden.url, EMAIL, PASSWORD, this.fetchImpl),
    );
    this.reader = reader;
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
    const log = this.foxden.output.join('\n');
    const at = (re: RegExp) => log.search(re);
    const code = at(/POST \S*oauth\/token 200/);
    const destroy = at(/POST \S*oauth\/destroy 200/);
    const tokenserver = at(/GET \/1\.0\/sync\/1\.5 200/);
    assert.ok(code >= 0 && destroy > code && tokenserver > destroy, `unexpected request order:\n${log}`);
    return this.profileA;
  }

  /** The seeded bookmark decrypts from the server with only the e-mail and password. */
  async canaryDecryptsFromServer(): Promise<void> {
    const reader = this.signedInReader();
    const records = await until('the canary bookmark record', 30_000, async () => {
      const all = await reader.decryptedRecords('bookmarks');
      return all.some((r) => r.title === CANARY_TITLE) ? all : undefined;
    });
    const canary = records.find((r) => r.title === CANARY_TITLE)!;
    assert.equal(canary.bmkUri, CANARY_URL);
    assert.equal(canary.type, 'bookmark');
    assert.match(reader.kid, /^\d{13}-[A-Za-z0-9_-]{22}$/);
  }

  /** Once A's first sync is done, profile B signs in with the same password and gets the bookmark. */
  async profileBSignsInAndGetsBookmark(): Promise<void> {
    const reader = this.signedInReader();
    const a = this.profileA;
    if (!a) throw new Error('profile A has not signed up yet');
    // The log file is written when a whole sync ends (§10.4): after bookmarks come history, tabs…
    await until(
      'profile A to finish its first sync (a sync log with the bookmarks engine)',
      60_000,
      async () =>
        syncLogs(a.dir).some((text) => /Sync\.Engine\.Bookmarks\s+INFO\s+Records:/.test(text))
          ? true
          : undefined,
    );
    await this.closeFirefox(a.browser);

    const b = await this.openFirefox('profile-b', await this.prefs());
    await this.signInOnPage(b.page, 'signin');
    await until('a second client record (profile B synced)', 60_000, async () => {
      const clients = await reader.records('clients');
      return clients.length >= 2 ? clients : undefined;
    });
    const applied = /Sync\.Engine\.Bookmarks\s+INFO\s+Records: (\d+) applied, (\d+) successfully/;
    const logB = await until('profile B to finish a sync with the bookmarks engine', 60_000, async () =>
      syncLogs(b.dir).find((text) => applied.test(text)),
    );
    await this.closeFirefox(b.browser);
    const [, count, ok] = applied.exec(logB)!;
    assert.ok(Number(count) > 0 && ok === count, `profile B applied ${ok} of ${count} bookmark records`);
    assert.equal(bookmarkUrl(b.dir, CANARY_TITLE), CANARY_URL, 'profile B has the canary bookmark');
  }

  private signedInReader(): SyncReader {
    if (!this.reader) throw new Error('profile A has not signed up yet');
    return this.reader;
  }

  /** Submits the form like a person; returns what the page shows afterwards. */
  private async submitForm(page: Page, email: string, password: string, confirm?: string) {
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

  /**
   * Signs `page`'s Firefox up or in on Foxden's page with EMAIL and `password` (PASSWORD unless
   * given); a sign-in first shows the two plain-words errors unless `tryWrong` is false.
   */
  async signInOnPage(
    page: Page,
    mode: 'signin' | 'signup',
    { password = PASSWORD, tryWrong = true }: { password?: string; tryWrong?: boolean } = {},
  ): Promise<void> {
    await page.goto(this.foxden.url);
    await page.waitForSelector('body[data-state="account"]', { timeout: 20_000 });
    if (mode === 'signup') await page.click('#tab-signup');
    if (mode === 'signin' && tryWrong) {
      // The plain-words errors, seen in the real browser before the real sign-in.
      let shown = await this.submitForm(page, EMAIL, 'not the password');
      assert.match(shown.error, /not the password for household@foxden\.test/);
      shown = await this.submitForm(page, 'nobody@foxden.test', PASSWORD);
      assert.match(shown.error, /no account for nobody@foxden\.test/);
    }
    const shown = await this.submitForm(page, EMAIL, password, mode === 'signup' ? password : undefined);
    assert.equal(shown.state, 'done', `the sign-in page showed an error: ${shown.error}`);
  }
}

/** The URL of the bookmark titled `title` in a closed profile's places.sqlite, if any. */
function bookmarkUrl(profileDir: string, title: string): string | undefined {
  const places = new Database(path.join(profileDir, 'places.sqlite'), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    const row = places
      .prepare('SELECT p.url AS url FROM moz_bookmarks b JOIN moz_places p ON p.id = b.fk WHERE b.title = ?')
      .get(title) as { url: string } | undefined;
    return row?.url;
  } finally {
    places.close();
  }
}

/** Removes the test's temporary tree unless FOXDEN_KEEP_FIREFOX_PROFILES=1 asks to keep it. */
export function removeProfiles(tmp: string): void {
  // FOXDEN_KEEP_FIREFOX_PROFILES=1 keeps the profiles (weave/logs, prefs.js) for debugging.
  if (process.env.FOXDEN_KEEP_FIREFOX_PROFILES === '1') console.log(`profiles kept in ${tmp}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
}
