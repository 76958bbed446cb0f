import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ServerController, type ControllerStatus } from '../../server/admin/server-controller.js';
import { defaultConfig, type Config } from '../../server/config.js';
import { Logger } from '../../server/log.js';

function tempConfig(overrides: Partial<Config> = {}): Config {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-ctl-'));
  return defaultConfig({ dataDir, host: '127.0.0.1', port: 0, ...overrides });
}

function cleanup(config: Config): void {
  fs.rmSync(config.dataDir, { recursive: true, force: true });
}

test('start reports running only once listening, stop returns to stopped; states are emitted in order', async () => {
  const config = tempConfig();
  const controller = new ServerController({ config, logger: new Logger() });
  const seen: ControllerStatus['state'][] = [];
  controller.on('state', (s) => seen.push(s.state));
  try {
    const started = await controller.start();
    assert.equal(started.state, 'running');
    assert.ok(started.listen && started.listen.port > 0);
    assert.equal(started.listen.host, '127.0.0.1');
    assert.equal(typeof started.uptimeMs, 'number');
    const res = await fetch(`http://127.0.0.1:${started.listen.port}/__heartbeat__`);
    assert.equal(res.status, 200);

    const stopped = await controller.stop();
    assert.equal(stopped.state, 'stopped');
    assert.equal(stopped.listen, null);
    assert.equal(stopped.uptimeMs, null);
    await assert.rejects(fetch(`http://127.0.0.1:${started.listen.port}/__heartbeat__`));
    assert.deepEqual(seen, ['starting', 'running', 'stopping', 'stopped']);
  } finally {
    await controller.dispose();
    cleanup(config);
  }
});

test('a second controller on the same port fails with the plain EADDRINUSE message, then starts once the port is free', async () => {
  const a = tempConfig();
  const first = new ServerController({ config: a, logger: new Logger() });
  const { listen } = await first.start();
  assert.ok(listen);
  const b = tempConfig({ port: listen.port });
  const second = new ServerController({ config: b, logger: new Logger() });
  try {
    const failed = await second.start();
    assert.equal(failed.state, 'failed');
    assert.equal(failed.lastErrorCode, 'EADDRINUSE');
    assert.equal(
      failed.lastError,
      `Port ${listen.port} is already in use by another program on 127.0.0.1. Choose another port or stop that program.`,
    );
    assert.equal(failed.listen, null);

    await first.stop();
    const retried = await second.start();
    assert.equal(retried.state, 'running');
    assert.equal(retried.lastError, null);
    assert.equal(retried.listen?.port, listen.port);
  } finally {
    await first.dispose();
    await second.dispose();
    cleanup(a);
    cleanup(b);
  }
});

test('EACCES and EADDRNOTAVAIL are reported in plain words', { skip: process.getuid?.() === 0 }, async () => {
  const config = tempConfig({ port: 81 });
  const controller = new ServerController({ config, logger: new Logger() });
  try {
    const s = await controller.start();
    assert.equal(s.state, 'failed');
    assert.equal(s.lastErrorCode, 'EACCES');
    assert.match(s.lastError ?? '', /below 1024 need administrator rights/);
  } finally {
    await controller.dispose();
    cleanup(config);
  }
});

test('an address this machine does not have fails with EADDRNOTAVAIL in plain words', async () => {
  // 192.0.2.0/24 is TEST-NET-1: never assigned to a real interface, so bind fails locally.
  const config = tempConfig({ host: '192.0.2.1' });
  const controller = new ServerController({ config, logger: new Logger() });
  try {
    const s = await controller.start();
    assert.equal(s.state, 'failed');
    assert.equal(s.lastErrorCode, 'EADDRNOTAVAIL');
    assert.match(s.lastError ?? '', /does not belong to this computer/);
  } finally {
    await controller.dispose();
    cleanup(config);
  }
});

test('stop does not wait for an idle keep-alive connection', { timeout: 15_000 }, async () => {
  const config = tempConfig();
  const controller = new ServerController({ config, logger: new Logger() });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const { listen } = await controller.start();
    assert.ok(listen);
    // The agent's own listener pools (and unrefs) the socket on 'free'; ours runs after it and
    // refs it again, so the test keeps running until the server's close reaches the client.
    const pooled = new Promise<void>((resolve) =>
      agent.once('free', (socket: import('node:net').Socket) =>
        setImmediate(() => {
          socket.ref();
          resolve();
        }),
      ),
    );
    const socketClosed = new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: listen.port, path: '/__heartbeat__', agent }, (res) =>
        res.resume(),
      );
      req.on('socket', (socket) => socket.once('close', () => resolve(true)));
      req.on('error', () => resolve(false));
    });
    await pooled;
    assert.equal(Object.keys(agent.freeSockets).length, 1, 'the keep-alive socket is idle in the pool');
    const stopped = await controller.stop();
    assert.equal(stopped.state, 'stopped');
    assert.equal(await socketClosed, true, 'the server closed the kept-alive socket');
  } finally {
    agent.destroy();
    await controller.dispose();
    cleanup(config);
  }
});

test('requests are counted while running; 5xx, 401 and 403 count as failed, 404 does not', async () => {
  const config = tempConfig();
  const logger = new Logger();
  const controller = new ServerController({ config, logger });
  try {
    const { listen } = await controller.start();
    assert.ok(listen);
    await (await fetch(`http://127.0.0.1:${listen.port}/__heartbeat__`)).text();
    await (await fetch(`http://127.0.0.1:${listen.port}/no/such/path`)).text();
    // Counters listen to the server's typed event; these stand for requests that end so.
    const events = controller.context().events;
    events.emit(
      'requestFinished',
      logger.log({ level: 'warn', kind: 'request', message: 'GET /x 401', status: 401 }),
    );
    events.emit(
      'requestFinished',
      logger.log({ level: 'error', kind: 'request', message: 'GET /x 500', status: 500 }),
    );
    logger.log({ level: 'info', kind: 'lifecycle', message: 'not a request' });
    assert.deepEqual(controller.status().requests, { total: 4, failed: 2 });
  } finally {
    await controller.dispose();
    cleanup(config);
  }
});

test('request counts come from the typed requestFinished event, not from log lines', async () => {
  const config = tempConfig();
  const logger = new Logger();
  const controller = new ServerController({ config, logger });
  try {
    const { listen } = await controller.start();
    assert.ok(listen);
    // A log line that looks like a request is only a record: it must not move the counters.
    logger.log({ level: 'error', kind: 'request', message: 'GET /x 500', status: 500 });
    assert.deepEqual(controller.status().requests, { total: 0, failed: 0 });
    const seen: number[] = [];
    controller.context().events.on('requestFinished', (e) => seen.push(e.status ?? 0));
    await (await fetch(`http://127.0.0.1:${listen.port}/__heartbeat__`)).text();
    assert.deepEqual(seen, [200]);
    assert.deepEqual(controller.status().requests, { total: 1, failed: 0 });
  } finally {
    await controller.dispose();
    cleanup(config);
  }
});

test('the database stays usable while stopped, and restart applies a new listener config', async () => {
  const config = tempConfig();
  const controller = new ServerController({ config, logger: new Logger() });
  try {
    const context = controller.context();
    assert.equal(await context.db.integrityCheck(), 'ok');
    const first = await controller.start();
    controller.setConfig({ ...controller.config, port: 0, trustProxy: 'loopback' });
    assert.equal(controller.runningConfig?.trustProxy, false);
    const again = await controller.restart();
    assert.equal(again.state, 'running');
    assert.equal(controller.runningConfig?.trustProxy, 'loopback');
    assert.ok(first.listen && again.listen);
    controller.applyLive({ allowNewUsers: true });
    assert.equal(controller.context().config.allowNewUsers, true);
  } finally {
    await controller.dispose();
    cleanup(config);
  }
});
