import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHeadless } from '../../server/admin/headless.js';
import { adminUrlLine } from '../../server/admin/admin-url.js';
import { defaultConfig, type Config } from '../../server/config.js';
import { Logger } from '../../server/log.js';
import { postAdmin } from '../helpers/admin-http.js';
import { occupyPort } from '../helpers/ports.js';

function tempConfig(overrides: Partial<Config> = {}): Config {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-headless-'));
  return defaultConfig({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    publicUrl: 'http://127.0.0.1:0/',
    ...overrides,
  });
}

/** `startHeadless` as `foxden serve` calls it, with warnings collected into `warnings`. */
function start(config: Config, adminPort: number | null, warnings: string[] = [], publicUrlGiven = false) {
  return startHeadless({
    config,
    publicUrlGiven,
    logger: new Logger(),
    adminPort,
    warn: (m) => warnings.push(m),
  });
}

test('headless: sync through the controller, dashboard on loopback, Stop and Start from the API', async () => {
  const config = tempConfig();
  const warnings: string[] = [];
  const headless = await start(config, 0, warnings);
  try {
    assert.deepEqual(warnings, []);
    const admin = headless.admin;
    assert.ok(admin);
    assert.match(adminUrlLine(admin), /^admin: http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/);
    const syncUrl = `http://127.0.0.1:${headless.address.port}/`;
    assert.equal((await fetch(`${syncUrl}__heartbeat__`)).status, 200);
    const status = (await (await postAdmin(admin, 'status')).json()) as { publicUrl: string };
    assert.equal(status.publicUrl, syncUrl, 'the default public URL follows the bound port');

    assert.equal(((await (await postAdmin(admin, 'stop')).json()) as { state: string }).state, 'stopped');
    await assert.rejects(fetch(`${syncUrl}__heartbeat__`));
    const started = (await (await postAdmin(admin, 'start')).json()) as {
      state: string;
      listen: { port: number };
    };
    assert.equal(started.state, 'running');
    assert.equal((await fetch(`http://127.0.0.1:${started.listen.port}/__heartbeat__`)).status, 200);

    // Dashboard changes are saved for the next run, with mode 0600.
    assert.equal((await postAdmin(admin, 'updateSettings', { allowNewUsers: true })).status, 200);
    const saved = JSON.parse(fs.readFileSync(path.join(config.dataDir, 'settings.json'), 'utf8')) as {
      allowNewUsers: boolean;
    };
    assert.equal(saved.allowNewUsers, true);
    if (process.platform !== 'win32')
      assert.equal(fs.statSync(path.join(config.dataDir, 'settings.json')).mode & 0o777, 0o600);
  } finally {
    await headless.close();
    fs.rmSync(config.dataDir, { recursive: true, force: true });
  }
});

test('headless: a busy admin port only warns, sync keeps serving; --no-admin starts none', async () => {
  const blocker = await occupyPort();
  const busy = blocker.port;
  const config = tempConfig();
  const warnings: string[] = [];
  const headless = await start(config, busy, warnings);
  try {
    assert.equal(headless.admin, null);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', new RegExp(`Port ${busy} is already in use.*Sync keeps running`));
    assert.equal((await fetch(`http://127.0.0.1:${headless.address.port}/__heartbeat__`)).status, 200);
  } finally {
    await headless.close();
    await blocker.release();
  }
  const none = await start(config, null, warnings);
  try {
    assert.equal(none.admin, null);
    assert.equal(warnings.length, 1);
  } finally {
    await none.close();
    fs.rmSync(config.dataDir, { recursive: true, force: true });
  }
});

test('headless: a busy sync port rejects with the plain EADDRINUSE words', async () => {
  const blocker = await occupyPort();
  const busy = blocker.port;
  const config = tempConfig({ port: busy, publicUrl: `http://127.0.0.1:${busy}/` });
  try {
    await assert.rejects(
      start(config, null, [], true),
      (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE' && /already in use/.test(err.message),
    );
  } finally {
    await blocker.release();
    fs.rmSync(config.dataDir, { recursive: true, force: true });
  }
});
