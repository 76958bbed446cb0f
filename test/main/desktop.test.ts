import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { channelFor } from '../../main/channels.js';
import type { DesktopHandle } from '../../main/desktop-deps.js';
import { runDesktop } from '../../main/desktop.js';
import { launchedAtLogin } from '../../main/launch.js';
import { APP_USER_MODEL_ID } from '../../main/setup-single-instance.js';
import { resolveAppPaths } from '../../main/paths.js';
import { createDesktopBackend } from '../../main/desktop-backend.js';
import { occupyPort } from '../helpers/ports.js';
import { createFakeElectron, type FakeElectron, type FakeMenu } from './fake-electron.js';
import { memorySettingsStore } from './memory-settings.js';
import { ADMIN_METHODS } from '../../main/channels.js';

const dirs: string[] = [];
const running: { handle: DesktopHandle; electron: FakeElectron }[] = [];
after(async () => {
  for (const { handle } of running) await handle.backend.dispose().catch(() => undefined);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const paths = resolveAppPaths({
  mainDir: '/opt/foxden/resources/app.asar/dist/main',
  appRoot: '/opt/foxden/resources/app.asar',
  isPackaged: true,
});

interface LaunchOptions {
  platform?: NodeJS.Platform;
  argv?: string[];
  port?: number;
  lock?: boolean;
}

async function launch(options: LaunchOptions = {}) {
  const electron = createFakeElectron();
  electron.app.lockAvailable = options.lock ?? true;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-app-'));
  dirs.push(dataDir);
  const port = options.port ?? 0;
  const platform = options.platform ?? 'darwin';
  const pending = runDesktop({
    electron,
    platform,
    argv: options.argv ?? ['/opt/foxden/foxden'],
    dataDir,
    paths,
    loginEnv: { platform, execPath: '/opt/foxden/foxden', env: {}, homeDir: dataDir },
    openSettingsStore: async () => memorySettingsStore(port),
    createBackend: ({ dataDir: dir, store }) => createDesktopBackend({ dataDir: dir, store, platform }),
  });
  electron.app.makeReady();
  const handle = await pending;
  if (handle) running.push({ handle, electron });
  return { electron, handle, dataDir };
}

function menu(electron: FakeElectron): FakeMenu {
  const m = electron.trays[0]?.menu;
  assert.ok(m, 'tray has a menu');
  return m;
}

function label(electron: FakeElectron, id: string): string | undefined {
  return menu(electron).item(id).label;
}

describe('desktop lifecycle', () => {
  it('a second instance quits at once and starts nothing', async () => {
    const { electron, handle } = await launch({ lock: false });
    assert.equal(handle, null);
    assert.equal(electron.app.quitCalls, 1);
    assert.equal(electron.ipcMain.handlers.size, 0);
    assert.equal(electron.windows.length, 0);
    assert.equal(electron.trays.length, 0);
  });

  it('ready: data paths set, session locked, IPC registered, server running, tray and window up', async () => {
    const { electron, handle, dataDir } = await launch();
    assert.ok(handle);
    assert.equal(electron.app.paths.get('userData'), dataDir);
    assert.equal(electron.app.paths.get('sessionData'), path.join(dataDir, 'electron-session'));
    assert.ok(electron.fakeSession.requestHandler, 'permission handler installed');
    assert.equal(electron.ipcMain.handlers.size, ADMIN_METHODS.length);
    const status = await handle.backend.service.status();
    assert.equal(status.state, 'running');
    assert.equal(label(electron, 'status'), `Running at http://127.0.0.1:${status.listen?.port}`);
    assert.equal(menu(electron).item('stop').enabled, true);
    assert.equal(electron.trays[0]?.image, path.join(paths.trayIconsDir, 'tray-runningTemplate.png'));
    assert.equal(electron.windows.length, 1);
    assert.equal(electron.windows[0]?.loaded, paths.rendererIndex);
  });

  it('a login launch is recognised by the flag, or on macOS by the system', () => {
    const app = createFakeElectron().app;
    assert.equal(launchedAtLogin(['x', '--hidden'], 'linux', app), true);
    assert.equal(launchedAtLogin(['x'], 'linux', app), false);
    app.openedAtLogin = true;
    assert.equal(launchedAtLogin(['x'], 'darwin', app), true);
    assert.equal(launchedAtLogin(['x'], 'win32', app), false);
  });

  it('Windows gets the AppUserModelID the installer uses (notifications need it)', async () => {
    const { electron } = await launch({ platform: 'win32' });
    assert.equal(electron.app.appUserModelId, APP_USER_MODEL_ID);
    const builderYml = fs.readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8');
    assert.match(builderYml, new RegExp(`^appId: ${APP_USER_MODEL_ID.replace(/\./g, '\\.')}$`, 'm'));
  });

  it('the second instance event brings the window back', async () => {
    const { electron } = await launch({ argv: ['/opt/foxden/foxden', '--hidden'] });
    assert.equal(electron.windows.length, 0, 'a login launch starts hidden');
    electron.app.emit('second-instance');
    assert.equal(electron.windows.length, 1);
    const win = electron.windows[0]!;
    win.emit('ready-to-show');
    win.userClose();
    assert.equal(win.visible, false, 'hidden to the tray on macOS');
    electron.app.emit('second-instance');
    assert.equal(win.visible, true);
    assert.equal(electron.windows.length, 1);
  });

  it('IPC from the app window reaches the service; the owner creating an account is not announced', async () => {
    const { electron, handle } = await launch();
    assert.ok(handle);
    const win = electron.windows[0]!;
    const event = {
      sender: { id: win.webContents.id },
      senderFrame: { url: paths.rendererEntryUrl, parent: null },
    };
    const reply = (await electron.ipcMain.invoke(channelFor('createAccount'), event, {
      kind: 'sync11',
      name: 'alice',
      password: 'a long enough password',
    })) as { ok: boolean; value: { label: string } };
    assert.equal(reply.ok, true, JSON.stringify(reply));
    await handle.checkAccounts();
    assert.equal(electron.notifications.shown.length, 0);
  });

  it('an account that appears by itself is announced', async () => {
    const { electron, handle } = await launch();
    assert.ok(handle);
    await handle.backend.service.createAccount({
      kind: 'sync11',
      name: 'bob',
      password: 'a long enough password',
    });
    await handle.checkAccounts();
    assert.equal(electron.notifications.shown.length, 1);
    assert.equal(electron.notifications.shown[0]?.title, 'New Foxden account');
  });

  it('Quit stops the server before the app exits', async () => {
    const { electron, handle } = await launch();
    assert.ok(handle);
    let quitEmitted = false;
    electron.app.on('quit', () => (quitEmitted = true));
    electron.app.quit();
    assert.equal(quitEmitted, false, 'will-quit was held back');
    await handle.stopped();
    assert.equal(handle.backend.controller.state, 'stopped');
    assert.equal(electron.trays[0]?.destroyed, true);
    assert.match(
      electron.trays[0]?.menu?.item('status').label ?? '',
      /^Running at/,
      'a destroyed tray is not redrawn',
    );
    assert.equal(electron.app.quitCalls, 2);
    assert.equal(quitEmitted, true);
  });

  it('the tray Quit item goes through the same clean stop', async () => {
    const { electron, handle } = await launch();
    assert.ok(handle);
    menu(electron).item('quit').click?.();
    await handle.trayIdle();
    await handle.stopped();
    assert.equal(handle.backend.controller.state, 'stopped');
  });

  it('closing the last window quits on Linux only', async () => {
    const linux = await launch({ platform: 'linux' });
    linux.electron.app.emit('window-all-closed');
    assert.equal(linux.electron.app.quitCalls, 1);
    await linux.handle?.stopped();
    const mac = await launch({ platform: 'darwin' });
    mac.electron.app.emit('window-all-closed');
    assert.equal(mac.electron.app.quitCalls, 0);
  });

  it('a failed start notifies with the reason and shows the warning icon', async () => {
    const blocker = await occupyPort();
    const { port } = blocker;
    try {
      const { electron, handle } = await launch({ port, platform: 'win32' });
      assert.ok(handle);
      const shown = electron.notifications.shown;
      assert.equal(shown.length, 1);
      assert.equal(shown[0]?.title, 'Foxden could not start');
      assert.match(shown[0]?.body ?? '', /already in use/);
      assert.match(label(electron, 'status') ?? '', /^Could not start: Port \d+ is already in use/);
      assert.equal(electron.trays[0]?.image, path.join(paths.trayIconsDir, 'tray-warning.png'));
      assert.equal(menu(electron).item('start').enabled, true);
    } finally {
      await blocker.release();
    }
  });

  it('tray: Stop, Start, sign-ups and open-at-login toggles, copy the setup URL', async () => {
    const { electron, handle } = await launch({ platform: 'darwin' });
    assert.ok(handle);
    menu(electron).item('stop').click?.();
    await handle.trayIdle();
    assert.equal(label(electron, 'status'), 'Stopped');
    assert.equal(menu(electron).item('start').enabled, true);
    menu(electron).item('start').click?.();
    await handle.trayIdle();
    assert.match(label(electron, 'status') ?? '', /^Running at/);

    assert.equal(menu(electron).item('toggle-signups').checked, false);
    menu(electron).item('toggle-signups').click?.();
    await handle.trayIdle();
    assert.equal(menu(electron).item('toggle-signups').checked, true);
    assert.equal((await handle.backend.service.getSettings()).allowNewUsers, true);

    menu(electron).item('toggle-open-at-login').click?.();
    await handle.trayIdle();
    assert.equal(menu(electron).item('toggle-open-at-login').checked, true);
    assert.deepEqual(electron.app.loginItems.at(-1), { openAtLogin: true, args: ['--hidden'] });

    menu(electron).item('copy-setup-url').click?.();
    await handle.trayIdle();
    assert.deepEqual(electron.clipboardText, [(await handle.backend.service.status()).setupUrl]);
  });

  it('tray: Back up now writes a backup in the data folder and says where', async () => {
    const { electron, handle, dataDir } = await launch();
    assert.ok(handle);
    menu(electron).item('backup').click?.();
    await handle.trayIdle();
    const files = fs.readdirSync(path.join(dataDir, 'backups'));
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^foxden-backup-.*\.db$/);
    const note = electron.notifications.shown.at(-1);
    assert.equal(note?.title, 'Backup saved');
    note?.click?.();
    assert.deepEqual(electron.openedPaths, [path.join(dataDir, 'backups', files[0]!)]);
  });

  it('tray: Back up now uses the chosen backup folder, and a failed scheduled backup shows in the tray', async () => {
    const { electron, handle, dataDir } = await launch();
    assert.ok(handle);
    const chosen = path.join(dataDir, 'second-disk');
    fs.mkdirSync(chosen);
    await handle.backend.service.updateSettings({ backupFolder: chosen });
    menu(electron).item('backup').click?.();
    await handle.trayIdle();
    assert.equal(fs.readdirSync(chosen).length, 1, 'the backup went to the chosen folder');

    // Another folder, on a disk that is not connected: due at once, fails, and the tray says so.
    await handle.backend.service.updateSettings({ backupFolder: path.join(dataDir, 'unplugged') });
    assert.equal(await handle.backend.service.backups.check(), false);
    assert.ok((await handle.backend.service.backupStatus()).lastFailure);
    const warning = () => {
      try {
        return label(electron, 'warning') ?? '';
      } catch {
        return ''; // no warning item (yet)
      }
    };
    const deadline = Date.now() + 5000;
    while (!/scheduled backup failed/.test(warning())) {
      assert.ok(Date.now() < deadline, `tray warning: ${warning()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('tray: Open data folder opens it', async () => {
    const { electron, handle, dataDir } = await launch();
    assert.ok(handle);
    menu(electron).item('open-data-folder').click?.();
    await handle.trayIdle();
    assert.deepEqual(electron.openedPaths, [dataDir]);
  });
});
