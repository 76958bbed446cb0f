// Helpers for driving Debian's firefox-esr against a real `foxden serve` child process
// (fxa-local.md §10): a free loopback port, the CLI started the way a user starts it, and a
// headless Firefox over WebDriver BiDi with the explicit prefs of §10.2.
import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import {
  prefsFromClientConfiguration,
  type FxaClientConfiguration,
} from '../../server/fxa/page/client-configuration.js';
import { ROOT, spawnCli } from '../cli/cli-process.js';
import { freePort } from '../helpers/ports.js';
import type { Fetch } from './trusting-fetch.js';

export const FIREFOX = '/usr/bin/firefox-esr';

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, Math.min(250 * (attempt + 1), 1000)));
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}

export interface FoxdenProcess {
  /** The public URL, ending with "/". */
  url: string;
  /** Everything the CLI printed, for assertions on the request log and for failure messages. */
  readonly output: string[];
  stop(): Promise<void>;
}

export interface FoxdenCliOptions {
  /** `auto`: `--https auto`, the household CA in `<dataDir>/tls/` and an https public URL. */
  https?: 'auto';
}

/** `node bin/foxden.js serve` on loopback; resolves once the CLI prints its `listening` line. */
export async function startFoxdenCli(
  dataDir: string,
  options: FoxdenCliOptions = {},
): Promise<FoxdenProcess> {
  if (
    !fs.existsSync(path.join(ROOT, 'dist', 'server', 'cli.js')) ||
    !fs.existsSync(path.join(ROOT, 'dist', 'fxa-page', 'signin.js'))
  ) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does it through "pretest").');
  }
  const port = await freePort();
  const url = `${options.https ? 'https' : 'http'}://127.0.0.1:${port}/`;
  const cli = spawnCli([
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--public-url',
    url,
    '--allow-new-users',
    '--no-admin',
    ...(options.https ? ['--https', options.https] : []),
  ]);
  const running = () => cli.child.exitCode === null && cli.child.signalCode === null;
  try {
    await cli.waitForLine(/listening/);
  } catch (err) {
    if (running()) cli.child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    get output() {
      return [...cli.stdout, ...cli.stderr].filter(Boolean);
    },
    async stop() {
      if (!running()) return;
      cli.child.kill('SIGTERM');
      const timer = setTimeout(() => cli.child.kill('SIGKILL'), 5000);
      await cli.exit;
      clearTimeout(timer);
    },
  };
}

/** A one-link Netscape bookmarks file Firefox imports on first run (§10.2). */
export function writeBookmarksHtml(file: string, title: string, href: string): void {
  fs.writeFileSync(
    file,
    `<!DOCTYPE NETSCAPE-Bookmark-file-1>
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">
<TITLE>Bookmarks</TITLE>
<H1>Bookmarks Menu</H1>
<DL><p>
    <DT><A HREF="${href}" ADD_DATE="1700000000">${title}</A>
</DL><p>
`,
  );
}

/**
 * §10.2: the URL prefs exactly as autoconfig would write them from our own discovery document
 * (BiDi cannot open about:preferences, so autoconfig never runs in a test), plus logging.
 * `identity.fxaccounts.allowHttp` only for an http public URL: over https Firefox needs none.
 */
export async function firefoxPrefs(
  publicUrl: string,
  bookmarksFile?: string,
  fetchImpl: Fetch = fetch,
): Promise<Record<string, unknown>> {
  const res = await fetchImpl(`${publicUrl}.well-known/fxa-client-configuration`, {
    headers: { Accept: 'application/json' },
  });
  if (res.status !== 200) throw new Error(`discovery answered ${res.status}`);
  const doc = (await res.json()) as FxaClientConfiguration;
  const root = publicUrl.replace(/\/$/, '');
  return {
    ...prefsFromClientConfiguration(root, doc),
    ...(publicUrl.startsWith('http:') ? { 'identity.fxaccounts.allowHttp': true } : {}),
    'identity.fxaccounts.autoconfig.uri': root,
    'identity.fxaccounts.loglevel': 'Debug',
    'identity.fxaccounts.pairing.enabled': false,
    'dom.push.connection.enabled': false,
    'services.sync.log.appender.file.logOnSuccess': true,
    'services.sync.log.logger': 'Debug',
    ...(bookmarksFile
      ? { 'browser.places.importBookmarksHTML': true, 'browser.bookmarks.file': bookmarksFile }
      : {}),
  };
}

/** `args`: extra command-line switches, e.g. firefox-chrome.ts FIREFOX_SYSTEM_ACCESS_ARGS. */
export async function launchFirefox(
  profileDir: string,
  prefs: Record<string, unknown>,
  args: string[] = [],
): Promise<Browser> {
  fs.mkdirSync(profileDir, { recursive: true });
  return puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profileDir,
    extraPrefsFirefox: prefs,
    args,
    dumpio: process.env.FOXDEN_FIREFOX_DUMPIO === '1',
    timeout: 60_000,
  });
}

/**
 * Firefox's Sync logs, oldest first (written when a sync ends, §10.4). A sync that worked is
 * still filed as `error-sync-*` when anything logged an error meanwhile (before issue 12, FxA's
 * "No devices available for queued tab commands" after the first sync of a new account, which
 * firefox-devices.test.ts now asserts away), so a caller looking for one sync reads the content.
 */
export function syncLogs(profileDir: string, kind: 'success' | 'error' | 'any' = 'any'): string[] {
  const dir = path.join(profileDir, 'weave', 'logs');
  if (!fs.existsSync(dir)) return [];
  const prefixes = kind === 'any' ? ['success-sync-', 'error-sync-'] : [`${kind}-sync-`];
  return fs
    .readdirSync(dir)
    .filter((name) => prefixes.some((prefix) => name.startsWith(prefix)))
    .sort()
    .map((name) => fs.readFileSync(path.join(dir, name), 'utf8'));
}
