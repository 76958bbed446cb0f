import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  applyOpenAtLogin,
  autostartFile,
  desktopEntry,
  launchCommand,
  quoteExecArg,
} from '../../main/login-item.js';
import { FakeApp } from './fake-electron.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-home-'));
after(() => fs.rmSync(home, { recursive: true, force: true }));

describe('open at login', () => {
  it('macOS and Windows use the system login item, with the hidden flag', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const app = new FakeApp();
      applyOpenAtLogin(true, app, { platform, execPath: '/x', env: {}, homeDir: home });
      applyOpenAtLogin(false, app, { platform, execPath: '/x', env: {}, homeDir: home });
      assert.deepEqual(app.loginItems, [
        { openAtLogin: true, args: ['--hidden'] },
        { openAtLogin: false, args: ['--hidden'] },
      ]);
    }
  });

  it('Linux writes and removes an XDG autostart entry', () => {
    const app = new FakeApp();
    app.isPackaged = true;
    const env = { platform: 'linux' as const, execPath: '/opt/Foxden/foxden', env: {}, homeDir: home };
    const file = autostartFile(env);
    assert.equal(file, path.join(home, '.config', 'autostart', 'foxden.desktop'));
    applyOpenAtLogin(true, app, env);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /^\[Desktop Entry\]/);
    assert.match(text, /^Exec="\/opt\/Foxden\/foxden" "--hidden"$/m);
    assert.equal(app.loginItems.length, 0);
    applyOpenAtLogin(false, app, env);
    assert.equal(fs.existsSync(file), false);
  });

  it('an AppImage starts itself, not the temporary mount; unpackaged passes the app folder', () => {
    const packaged = new FakeApp();
    packaged.isPackaged = true;
    const appImage = {
      platform: 'linux' as const,
      execPath: '/tmp/.mount_x/foxden',
      env: { APPIMAGE: '/home/me/Foxden.AppImage' },
      homeDir: home,
    };
    assert.deepEqual(launchCommand(packaged, appImage), ['/home/me/Foxden.AppImage', '--hidden']);
    const dev = new FakeApp();
    assert.deepEqual(launchCommand(dev, { ...appImage, env: {} }), [
      '/tmp/.mount_x/foxden',
      '/opt/foxden-dev',
      '--hidden',
    ]);
  });

  it('Exec arguments are quoted and escaped as the Desktop Entry spec asks', () => {
    assert.equal(quoteExecArg('/home/me/My "Apps"/$x`y`\\z'), '"/home/me/My \\"Apps\\"/\\$x\\`y\\`\\\\z"');
    assert.match(desktopEntry(['/a b/foxden']), /^Exec="\/a b\/foxden"$/m);
  });
});
