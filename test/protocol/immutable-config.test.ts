import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createSyncServer } from '../../server/app.js';
import { defaultConfig, type Config } from '../../server/config.js';
import { Logger } from '../../server/log.js';
import { ServerController } from '../../server/admin/server-controller.js';
import { Sync11User, freshEmail } from '../helpers/sync11-client.js';
import { createSync15User, hawkFetch } from '../helpers/sync15-client.js';
import type { TestServer } from '../helpers/server.js';

/** Freezes `value` and everything inside it: any write, in strict-mode code, throws TypeError. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const PUBLIC_PORT = 8173;

function frozenConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  const base = defaultConfig({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    // Hawk signs this origin, whatever port the listener has.
    publicUrl: `http://127.0.0.1:${PUBLIC_PORT}/`,
    quotaKb: null,
    ...overrides,
  });
  return deepFreeze({ ...base, sync15: { ...base.sync15, fxaOauthServerUrl: 'http://127.0.0.1:9/v1' } });
}

test('the server never writes to the Config it was given: Sync 1.5, sign-up cap, listener restart', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-frozen-'));
  // The cap of 1 makes the sign-up gate close sign-ups itself after one account.
  const config = frozenConfig(dataDir, { allowNewUsers: true, maxNewUsers: 1 });
  const before = structuredClone(config);
  const server = createSyncServer(config, { logger: new Logger() });
  try {
    const first = await server.listen();
    let url = `http://127.0.0.1:${first.port}/`;
    assert.equal(typeof server.context.masterSecret, 'string');
    assert.equal(server.context.config.masterSecret, server.context.masterSecret);

    // A Sync 1.5 write and read through Hawk (token cache, public-origin cache, quota, engine).
    const user = await createSync15User({ url, server } as TestServer);
    const put = await hawkFetch(`${url}1.5/${user.uid}/storage/tabs/one`, {
      method: 'PUT',
      body: { payload: 'x' },
      credentials: user.credentials,
      port: PUBLIC_PORT,
    });
    assert.equal(put.status, 200, await put.text());
    const get = await hawkFetch(`${url}1.5/${user.uid}/info/collections`, {
      credentials: user.credentials,
      port: PUBLIC_PORT,
    });
    assert.equal(get.status, 200);

    // A stranger's Sync 1.1 sign-up uses the one place: the gate closes sign-ups on its own.
    const created = await new Sync11User(url, freshEmail('frozen')).create();
    assert.equal(created.status, 200, created.text);
    assert.equal(server.context.live().allowNewUsers, false, 'closed for the running server');
    assert.equal((await new Sync11User(url, freshEmail('late')).create()).status, 503);

    // A listener restart on another port keeps the backend and reads nothing back into config.
    await server.stopListening();
    const second = await server.listen({
      host: '127.0.0.1',
      port: 0,
      trustProxy: 'loopback',
      tls: { mode: 'off' },
    });
    url = `http://127.0.0.1:${second.port}/`;
    const again = await hawkFetch(`${url}1.5/${user.uid}/info/collections`, {
      credentials: user.credentials,
      port: PUBLIC_PORT,
    });
    assert.equal(again.status, 200);

    assert.deepEqual(config, before, 'the given Config is as it was');
    assert.equal(config.masterSecret, null, 'the resolved secret stayed on the server');
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a controller restart that moves the listener leaves the frozen Config it was given alone', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-frozen-'));
  const config = frozenConfig(dataDir);
  const before = structuredClone(config);
  // Every Config the controller hands to the server is frozen too (the old restart wrote the new
  // port into the running server's Config).
  const controller = new ServerController({
    config,
    logger: new Logger(),
    createServer: (given, options) => createSyncServer(deepFreeze(given), options),
  });
  try {
    await controller.start();
    controller.setConfig(deepFreeze({ ...controller.config, port: 0, trustProxy: 'loopback' }));
    controller.applyLive({ publicUrl: 'http://sync.example.org/', allowNewUsers: true });
    const again = await controller.restart();
    assert.equal(again.state, 'running', String(again.lastError));
    assert.equal(controller.runningConfig?.trustProxy, 'loopback');
    assert.equal(controller.context().config.publicUrl, 'http://sync.example.org/');
    assert.deepEqual(config, before);
  } finally {
    await controller.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
