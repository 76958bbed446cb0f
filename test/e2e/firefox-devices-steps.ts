// Steps of firefox-devices.test.ts that read Foxden's database, Firefox's logs and views, and
// drive the account page in Firefox, kept apart so that the test reads as the scenario.
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'puppeteer-core';
import type { FirefoxChrome } from './firefox-chrome.js';
import { syncLogs, until } from './firefox-harness.js';
import type { FirefoxWindow } from './firefox-sync-flow.js';

/** What CommandQueue logs once, after the first tabs sync and 3 s of idle (research §5.1). */
const FIRST_SYNC_CHECK =
  /pending command check had|No devices available for queued tab commands|Checking for pending tab commands after first tab sync failed/;
/** Error lines issue 12 removed from a clean first sync and from every Send Tab. */
const UNWANTED = ['No devices available for queued tab commands', 'Sending was only partially successful'];

/**
 * Research §5.4: the queue check after the first tabs sync runs, then one more sync files the
 * lines logged meanwhile; no sync log of this profile is an `error-sync-*` file and none holds
 * the unwanted lines.
 */
export async function waitForFirstSyncCheck(chrome: FirefoxChrome, profileDir: string): Promise<void> {
  const check = await until(
    `${chrome.name}'s command queue check after its first tabs sync`,
    30_000,
    async () => (await chrome.logLines()).find((l) => FIRST_SYNC_CHECK.test(l)),
  );
  assert.match(check, /pending command check had no commands/);
  assert.equal((await chrome.sync()).status, 'success.sync');
  await until(`a sync log of ${chrome.name} with that check`, 20_000, async () =>
    syncLogs(profileDir).some((text) => text.includes('pending command check had')) ? true : undefined,
  );
  const errorLogs = syncLogs(profileDir, 'error');
  assert.deepEqual(errorLogs, [], `${chrome.name} filed error-sync logs`);
  const lines = [...syncLogs(profileDir), ...(await chrome.logLines())].join('\n');
  for (const unwanted of UNWANTED)
    assert.ok(!lines.includes(unwanted), `${chrome.name} logged "${unwanted}"`);
}

export interface ClientsView {
  /** Weave.Service.clientsEngine.remoteClients: the other Sync clients Firefox shows. */
  clients: { id: string; name: string; fxaDeviceId?: string }[];
  /** Every tab URL in SyncedTabs.getTabClients(), the synced-tabs sidebar's and Firefox View's source. */
  tabUrls: string[];
}

export function clientsSeenBy(chrome: FirefoxChrome): Promise<ClientsView> {
  return chrome.eval(`
    const clients = Weave.Service.clientsEngine.remoteClients.map((c) => ({ id: c.id, name: c.name, fxaDeviceId: c.fxaDeviceId }));
    const tabClients = await SyncedTabs.getTabClients();
    return { clients, tabUrls: tabClients.flatMap((c) => c.tabs.map((t) => t.url)) };
  `);
}

/** The commands Foxden holds, from its SQLite file (read-only beside the running server). */
export function queuedCommands(dataDir: string): { deviceId: string; command: string; index: number }[] {
  const db = new Database(path.join(dataDir, 'foxden.db'), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT device_id AS deviceId, command, idx AS "index" FROM fxa_device_commands ORDER BY idx')
      .all() as { deviceId: string; command: string; index: number }[];
  } finally {
    db.close();
  }
}

/** Foxden's devices and whether a live session is bound to each (a removal ends that session). */
export function storedDevices(dataDir: string): { id: string; name: string; bound: boolean }[] {
  const db = new Database(path.join(dataDir, 'foxden.db'), { readonly: true, fileMustExist: true });
  try {
    return (
      db.prepare('SELECT id, name, session_id AS sessionId FROM fxa_devices ORDER BY created_at').all() as {
        id: string;
        name: string;
        sessionId: string | null;
      }[]
    ).map((d) => ({ id: d.id, name: d.name, bound: d.sessionId !== null }));
  } finally {
    db.close();
  }
}

/**
 * Firefox's "Manage account" (gSync.openFxAManagePage: remote.root + settings, research §4.1)
 * in a new tab (callers close it after use: Firefox would switch to an open one and navigate it
 * again), once the page shows it acts for this Firefox's own session.
 */
export async function openAccountPage(window: FirefoxWindow, chrome: FirefoxChrome): Promise<Page> {
  await chrome.eval("await gSync.openFxAManagePage('foxden-test'); return true");
  const page = await until('the account page tab', 20_000, async () =>
    (await window.browser.pages()).find((p) => new URL(p.url()).pathname.endsWith('/settings')),
  );
  await page.waitForSelector('#manage:not([hidden])', { timeout: 20_000 });
  assert.equal(await page.evaluate("document.getElementById('manage-firefox').hidden"), false);
  return page;
}

export async function changePasswordOnPage(
  page: Page,
  oldPassword: string,
  newPassword: string,
): Promise<void> {
  await page.type('#old-password', oldPassword);
  await page.type('#new-password', newPassword);
  await page.type('#new-password-confirm', newPassword);
  await page.click('#password-submit');
  await page.waitForFunction(
    "/stays signed in/.test(document.getElementById('result').textContent) || !document.getElementById('password-error').hidden",
    { timeout: 60_000, polling: 250 },
  );
  const error = (await page.evaluate(
    "document.getElementById('password-error').hidden ? '' : document.getElementById('password-error').textContent",
  )) as string;
  assert.equal(error, '', 'the page refused the password change');
}

/** Remove → "Yes, remove" on the device's entry; resolves once the entry is gone. */
export async function removeDeviceOnPage(page: Page, deviceId: string): Promise<void> {
  const item = `#device-list li[data-device-id="${deviceId}"]`;
  await page.waitForSelector(item, { timeout: 20_000 });
  await page.click(`${item} button.remove`);
  await page.click(`${item} .confirm button.secondary`);
  await page.waitForFunction(`!document.querySelector('${item}')`, { timeout: 20_000, polling: 250 });
}
