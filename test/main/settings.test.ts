import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { ElectronSettingsStore, SETTINGS_SCHEMA, type KeyValueStoreLike } from '../../main/settings.js';

class MemoryKv implements KeyValueStoreLike {
  store: Record<string, unknown>;
  writes = 0;
  constructor(initial: Record<string, unknown> = {}) {
    this.store = { ...initial };
  }
  set(values: Record<string, unknown>): void {
    this.writes++;
    this.store = { ...this.store, ...values };
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-settings-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('ElectronSettingsStore', () => {
  it('an empty store loads the defaults', () => {
    assert.deepEqual(new ElectronSettingsStore(new MemoryKv()).load(), DEFAULT_SETTINGS);
  });

  it('ill-typed or unknown fields read from the file are dropped', () => {
    const store = new ElectronSettingsStore(new MemoryKv({ port: 'eighty', bindScope: 'lan', evil: 1 }));
    const loaded = store.load();
    assert.equal(loaded.port, DEFAULT_SETTINGS.port);
    assert.equal(loaded.bindScope, 'lan');
    assert.equal('evil' in loaded, false);
  });

  it('save writes every field and tells listeners', () => {
    const kv = new MemoryKv();
    const store = new ElectronSettingsStore(kv);
    const seen: boolean[] = [];
    store.onSaved((s) => seen.push(s.openAtLogin));
    store.save({ ...DEFAULT_SETTINGS, openAtLogin: true, port: 9000 });
    assert.equal(kv.store.port, 9000);
    assert.equal(store.load().openAtLogin, true);
    assert.deepEqual(seen, [true]);
  });

  it('the schema works in Conf (the engine inside electron-store) and refuses bad values on disk', async () => {
    // electron-store itself needs Electron at import time; Conf is the same store without it.
    const { default: Conf } = await import('conf');
    const conf = new Conf<Record<string, unknown>>({
      cwd: tmp,
      configName: 'settings',
      schema: SETTINGS_SCHEMA,
      projectVersion: '0',
    });
    const store = new ElectronSettingsStore(conf);
    assert.deepEqual(store.load(), DEFAULT_SETTINGS, 'schema defaults equal DEFAULT_SETTINGS');
    store.save({ ...DEFAULT_SETTINGS, bindScope: 'lan', port: 8200 });
    const onDisk = JSON.parse(fs.readFileSync(path.join(tmp, 'settings.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(onDisk.bindScope, 'lan');
    assert.equal(onDisk.port, 8200);
    assert.throws(() => conf.set('port', 70000));
    assert.throws(() => conf.set('bindScope', 'internet'));
  });
});
