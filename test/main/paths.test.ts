import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { backupFileName, desktopDataDir, resolveAppPaths, sessionDataDir } from '../../main/paths.js';
import { defaultDataDir } from '../../server/config.js';

describe('app paths', () => {
  it('unpackaged: preload and renderer beside the compiled main, the Electron SQLite addon from build/', () => {
    const p = resolveAppPaths({
      mainDir: '/src/foxden/dist/main',
      appRoot: '/src/foxden',
      isPackaged: false,
    });
    assert.equal(p.preload, '/src/foxden/dist/main/preload.cjs');
    assert.equal(p.rendererIndex, '/src/foxden/dist/renderer/index.html');
    assert.equal(p.rendererEntryUrl, 'file:///src/foxden/dist/renderer/index.html');
    assert.equal(p.rendererDirUrl, 'file:///src/foxden/dist/renderer/');
    assert.equal(p.trayIconsDir, '/src/foxden/assets/tray');
    assert.equal(p.nativeBinding, '/src/foxden/build/electron-native/better_sqlite3.node');
  });

  it('packaged: no addon override (electron-builder rebuilt better-sqlite3 for Electron)', () => {
    const p = resolveAppPaths({
      mainDir: '/opt/Foxden/resources/app.asar/dist/main',
      appRoot: '/opt/Foxden/resources/app.asar',
      isPackaged: true,
    });
    assert.equal(p.nativeBinding, undefined);
    assert.equal(p.rendererIndex, '/opt/Foxden/resources/app.asar/dist/renderer/index.html');
  });

  it('the desktop shares the headless data folder; FOXDEN_DATA_DIR moves it; relative values are ignored', () => {
    assert.equal(desktopDataDir({}, 'linux'), defaultDataDir({}, 'linux'));
    assert.equal(desktopDataDir({ FOXDEN_DATA_DIR: '/srv/foxden' }, 'linux'), '/srv/foxden');
    assert.equal(desktopDataDir({ FOXDEN_DATA_DIR: 'relative' }, 'linux'), defaultDataDir({}, 'linux'));
    assert.equal(sessionDataDir('/d'), path.join('/d', 'electron-session'));
  });

  it('backup files are named by local date and time', () => {
    assert.equal(backupFileName(new Date(2025, 0, 2, 3, 4, 5)), 'foxden-backup-2025-01-02-030405.db');
  });
});
