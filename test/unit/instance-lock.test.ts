import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createSyncServer } from '../../server/app.js';
import { defaultConfig } from '../../server/config.js';
import { acquireInstanceLock, lockFileOf, readInstanceLock } from '../../server/db/sqlite/instance-lock.js';
import { Logger } from '../../server/log.js';
import { databaseFile } from '../helpers/database-file.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-lock-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
const freshDb = () => path.join(tmp, `d-${++counter}`, 'foxden.db');

/** The pid of a process that has exited (a short-lived child). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

test('acquire, refuse a second holder, release, take again', () => {
  const db = freshDb();
  assert.equal(readInstanceLock(db), null);
  const lock = acquireInstanceLock(db);
  assert.deepEqual(readInstanceLock(db), { pid: process.pid });
  assert.throws(() => acquireInstanceLock(db), new RegExp(`process ${process.pid}\\b.*already using ${db}`));
  lock.release();
  lock.release();
  assert.equal(readInstanceLock(db), null);
  assert.ok(!fs.existsSync(lockFileOf(db)));
  acquireInstanceLock(db).release();
});

test('a lock left by a dead process is stale: read as free, taken over', () => {
  const db = freshDb();
  fs.mkdirSync(path.dirname(db), { mode: 0o700 });
  const pid = deadPid();
  fs.writeFileSync(lockFileOf(db), JSON.stringify({ pid, start: null, host: os.hostname(), token: 'x' }));
  assert.equal(readInstanceLock(db), null);
  const lock = acquireInstanceLock(db);
  assert.match(fs.readFileSync(lockFileOf(db), 'utf8'), new RegExp(`"pid":${process.pid}\\b`));
  lock.release();
});

test('a lock naming this pid but not held here (a previous life in a container) is stale', () => {
  const db = freshDb();
  fs.mkdirSync(path.dirname(db), { mode: 0o700 });
  fs.writeFileSync(lockFileOf(db), JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'old' }));
  assert.equal(readInstanceLock(db), null);
  acquireInstanceLock(db).release();
});

test(
  'a live process of another program that reused the pid is told apart by its start time',
  { skip: !fs.existsSync('/proc/self/stat') },
  () => {
    const db = freshDb();
    fs.mkdirSync(path.dirname(db), { mode: 0o700 });
    // pid 1 is alive, but it did not start at tick "1".
    fs.writeFileSync(lockFileOf(db), JSON.stringify({ pid: 1, start: '1', host: os.hostname(), token: 'y' }));
    assert.equal(readInstanceLock(db), null);
    acquireInstanceLock(db).release();
  },
);

test('createSyncServer refuses a second server on one database; close releases it for a restart', async () => {
  const dataDir = path.dirname(freshDb());
  const config = () => ({ ...defaultConfig({ dataDir, host: '127.0.0.1', port: 0 }), masterSecret: 's' });
  const logger = new Logger([]);
  const first = createSyncServer(config(), { logger });
  await first.listen();
  assert.throws(() => createSyncServer(config(), { logger }), /Another Foxden server \(process \d+\)/);
  await first.close();
  const again = createSyncServer(config(), { logger });
  await again.listen();
  assert.equal(readInstanceLock(databaseFile(config()))?.pid, process.pid);
  await again.close();
  assert.equal(readInstanceLock(databaseFile(config())), null);
});
