import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JsonFileSettingsStore, writeFileAtomic } from '../../server/admin/settings-store.js';
import {
  DEFAULT_SETTINGS,
  configToSettings,
  mergeHeadlessSettings,
  settingsToConfig,
} from '../../server/admin/settings.js';
import { defaultConfig } from '../../server/config.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-settings-'));
}

test('defaults: port 8173, this computer only, sign-ups closed and auto-closing', () => {
  const dir = tempDir();
  try {
    assert.deepEqual(new JsonFileSettingsStore(dir).load(), {
      port: 8173,
      bindScope: 'local',
      publicUrl: 'http://127.0.0.1:8173/',
      allowNewUsers: false,
      autoCloseSignups: true,
      openAtLogin: false,
      behindProxy: false,
      backupFolder: null,
      backupEveryHours: 24,
      backupKeep: 7,
      https: 'off',
      tlsCertFile: null,
      tlsKeyFile: null,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'save writes settings.json with mode 0600 and load reads it back',
  { skip: process.platform === 'win32' },
  () => {
    const dir = tempDir();
    try {
      const store = new JsonFileSettingsStore(dir);
      const settings = { ...DEFAULT_SETTINGS, port: 9000, bindScope: 'lan' as const, allowNewUsers: true };
      store.save(settings);
      const file = path.join(dir, 'settings.json');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(new JsonFileSettingsStore(dir).load(), settings);
      // No temp file is left behind.
      assert.deepEqual(fs.readdirSync(dir), ['settings.json']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'an atomic write replaces the file whole and leaves the old one when it cannot write',
  { skip: process.platform === 'win32' || process.getuid?.() === 0 },
  () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'settings.json');
      writeFileAtomic(file, '{"port": 9001}\n');
      const inodeBefore = fs.statSync(file).ino;
      writeFileAtomic(file, '{"port": 9002}\n');
      // A rename puts a new inode in place: readers never see a half-written file.
      assert.notEqual(fs.statSync(file).ino, inodeBefore);
      assert.equal(new JsonFileSettingsStore(dir).load().port, 9002);
      fs.chmodSync(dir, 0o500);
      assert.throws(() => writeFileAtomic(file, '{"port": 9003}\n'));
      fs.chmodSync(dir, 0o700);
      assert.equal(new JsonFileSettingsStore(dir).load().port, 9002);
      assert.deepEqual(fs.readdirSync(dir), ['settings.json']);
    } finally {
      fs.chmodSync(dir, 0o700);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('a damaged or ill-typed file falls back to defaults field by field', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(file, '{not json');
    assert.deepEqual(new JsonFileSettingsStore(dir).load(), DEFAULT_SETTINGS);
    fs.writeFileSync(
      file,
      JSON.stringify({
        port: '80',
        bindScope: 'everywhere',
        allowNewUsers: 'yes',
        openAtLogin: true,
        extra: 1,
      }),
    );
    assert.deepEqual(new JsonFileSettingsStore(dir).load(), { ...DEFAULT_SETTINGS, openAtLogin: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('settingsToConfig maps bind scope, proxy and live fields onto the base config', () => {
  const base = defaultConfig({ dataDir: '/data', quotaKb: 5000 });
  const local = settingsToConfig(
    { ...DEFAULT_SETTINGS, port: 9000, publicUrl: 'http://127.0.0.1:9000' },
    base,
  );
  assert.equal(local.host, '127.0.0.1');
  assert.equal(local.port, 9000);
  assert.equal(local.publicUrl, 'http://127.0.0.1:9000/');
  assert.equal(local.trustProxy, false);
  assert.equal(local.quotaKb, 5000);
  assert.equal(local.dataDir, '/data');

  const lan = settingsToConfig(
    { ...DEFAULT_SETTINGS, bindScope: 'lan', behindProxy: true, allowNewUsers: true },
    base,
  );
  assert.equal(lan.host, '0.0.0.0');
  assert.equal(lan.allowNewUsers, true);
  assert.notEqual(lan.trustProxy, false);
  // A specific LAN address from the command line is kept.
  assert.equal(
    settingsToConfig({ ...DEFAULT_SETTINGS, bindScope: 'lan' }, { ...base, host: '192.168.1.20' }).host,
    '192.168.1.20',
  );
  // And the round trip back to settings is lossless.
  assert.deepEqual(configToSettings(lan, DEFAULT_SETTINGS), {
    ...DEFAULT_SETTINGS,
    bindScope: 'lan',
    behindProxy: true,
    allowNewUsers: true,
  });
});

test('headless: defaults < ini < saved < environment < flags, even when a flag equals the default', () => {
  const stored = {
    ...DEFAULT_SETTINGS,
    port: 9100,
    publicUrl: 'http://192.168.1.20:9100/',
    bindScope: 'lan' as const,
    allowNewUsers: true,
  };
  const defaults = defaultConfig({ dataDir: '/data' });
  assert.deepEqual(mergeHeadlessSettings(stored, defaults, {}), stored);
  const flags = defaultConfig({ dataDir: '/data', port: 9200 });
  const portFlag = { port: { layer: 'flag' as const, from: '--port' } };
  assert.equal(mergeHeadlessSettings(stored, flags, portFlag).port, 9200);
  assert.equal(mergeHeadlessSettings(stored, flags, portFlag).bindScope, 'lan');
  // `--host 127.0.0.1 --no-allow-new-users` equal the defaults and still win.
  const loopback = mergeHeadlessSettings(stored, defaults, {
    host: { layer: 'flag', from: '--host' },
    allowNewUsers: { layer: 'env', from: 'environment variable FOXDEN_ALLOW_NEW_USERS' },
  });
  assert.equal(loopback.bindScope, 'local');
  assert.equal(loopback.allowNewUsers, false);
  // The ini file is below what the owner saved from the dashboard…
  const ini = defaultConfig({ dataDir: '/data', port: 9300 });
  assert.equal(
    mergeHeadlessSettings(stored, ini, { port: { layer: 'ini', from: 'f.conf [foxden] port' } }).port,
    9100,
  );
  // …and above the defaults for whatever the owner never saved.
  const { allowNewUsers: _omit, ...withoutSignups } = stored;
  const iniOpen = defaultConfig({ dataDir: '/data', allowNewUsers: true });
  const merged = mergeHeadlessSettings({ port: 9100 }, iniOpen, {
    allowNewUsers: { layer: 'ini', from: 'f.conf [auth] allow_new_users' },
  });
  assert.equal(merged.allowNewUsers, true);
  assert.equal(mergeHeadlessSettings(withoutSignups, defaults, {}).allowNewUsers, false);
});
