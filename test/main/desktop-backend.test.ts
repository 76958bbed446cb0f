import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { after, describe, it } from 'node:test';
import {
  createDesktopBackend,
  missingAddonMessage,
  type DesktopBackend,
} from '../../main/desktop-backend.js';
import { occupyPort } from '../helpers/ports.js';
import { memorySettingsStore } from './memory-settings.js';

const dirs: string[] = [];
const backends: DesktopBackend[] = [];
after(async () => {
  for (const b of backends) await b.dispose().catch(() => undefined);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function backend(port: number, nativeBinding?: string): DesktopBackend {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-desktop-'));
  dirs.push(dataDir);
  const store = memorySettingsStore(port);
  const b = createDesktopBackend({ dataDir, store, ...(nativeBinding ? { nativeBinding } : {}) });
  backends.push(b);
  return b;
}

/** The addon node_modules built for this Node: the same file path plumbing Electron uses. */
const nodeAddon = path.join(
  path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')),
  'build',
  'Release',
  'better_sqlite3.node',
);

describe('desktop server wiring', () => {
  it('starts in the data folder, serves over HTTP, stops cleanly', async () => {
    const b = backend(0);
    const states: string[] = [];
    b.onStateChange((s) => states.push(s.state));
    const status = await b.service.start();
    assert.equal(status.state, 'running');
    assert.equal(status.dataDir, b.config.dataDir);
    assert.ok(status.listen && status.listen.port > 0);
    assert.equal(status.listen.host, '127.0.0.1');
    assert.ok(fs.existsSync(path.join(b.config.dataDir, 'foxden.db')));
    const res = await fetch(`http://127.0.0.1:${status.listen.port}/__heartbeat__`);
    assert.equal(res.status, 200);
    const stopped = await b.service.stop();
    assert.equal(stopped.state, 'stopped');
    assert.deepEqual(states, ['starting', 'running', 'stopping', 'stopped']);
    await assert.rejects(fetch(`http://127.0.0.1:${status.listen.port}/__heartbeat__`));
  });

  it('a port in use becomes "failed" with a plain-words reason and a warning', async () => {
    const blocker = await occupyPort();
    const { port } = blocker;
    try {
      const b = backend(port);
      const status = await b.service.start();
      assert.equal(status.state, 'failed');
      assert.match(status.lastError ?? '', new RegExp(`Port ${port} is already in use`));
      const warnings = await b.service.warnings();
      assert.ok(
        warnings.some((w) => w.severity === 'error'),
        JSON.stringify(warnings),
      );
    } finally {
      await blocker.release();
    }
  });

  it('passes the nativeBinding path through to better-sqlite3', async () => {
    const b = backend(0, nodeAddon);
    const status = await b.service.start();
    assert.equal(status.state, 'running');
    assert.deepEqual(await b.service.listAccounts(), []);
    await b.service.stop();
  });

  it('a missing Electron addon fails the start with instructions', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-dir', 'better_sqlite3.node');
    const b = backend(0, missing);
    const status = await b.service.start();
    assert.equal(status.state, 'failed');
    assert.ok(status.lastError?.includes(missingAddonMessage(missing)), status.lastError ?? '');
  });

  it('change events fire for state changes', async () => {
    const b = backend(0);
    let changes = 0;
    const off = b.onChange(() => changes++);
    await b.service.start();
    await b.service.stop();
    off();
    await b.service.start();
    assert.equal(changes, 4);
    await b.dispose();
    assert.equal(b.controller.state, 'stopped');
  });
});
