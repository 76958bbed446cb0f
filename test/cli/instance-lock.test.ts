import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, serveRefused, startServe, tempCases } from './cli-process.js';

// Issue 8, finding 12: one SQLite data directory, one server.

const { fresh } = tempCases('foxden-cli-lock-', 'data');

test('a second foxden serve on the same data directory exits non-zero naming the first one’s pid', async () => {
  const dataDir = fresh();
  const first = await startServe(['--data-dir', dataDir]);
  try {
    const second = await serveRefused(['--data-dir', dataDir]);
    assert.equal(second.code, 1);
    const lines = second.stderr.filter((l) => l.startsWith('foxden: '));
    assert.equal(lines.length, 1, second.stderr.join('\n'));
    assert.match(
      lines[0] as string,
      new RegExp(`^foxden: Another Foxden server \\(process ${first.child.pid}\\)`),
    );
    assert.equal((await fetch(`${first.url}__heartbeat__`)).status, 200, 'the first one keeps serving');

    // Other commands still work beside the running server, as the README promises.
    const add = await runCli(['user', 'add', 'alice', '--data-dir', dataDir], {
      stdin: 'a long enough password\na long enough password\n',
    });
    assert.equal(add.code, 0, add.stderr.join('\n'));
    const list = await runCli(['user', 'list', '--data-dir', dataDir]);
    assert.ok(list.stdout.some((l) => l.startsWith('alice ')));
  } finally {
    assert.equal(await first.stop(), 0);
  }
  assert.ok(!fs.existsSync(path.join(dataDir, 'foxden.db.lock')), 'SIGTERM released the lock');
  const third = await startServe(['--data-dir', dataDir]);
  assert.equal(await third.stop('SIGINT'), 0);
  assert.ok(!fs.existsSync(path.join(dataDir, 'foxden.db.lock')), 'SIGINT released the lock');
});

test('a SIGKILLed server’s lock does not block the next start', async () => {
  const dataDir = fresh();
  const first = await startServe(['--data-dir', dataDir]);
  await first.stop('SIGKILL');
  const lock = path.join(dataDir, 'foxden.db.lock');
  assert.ok(fs.existsSync(lock), 'SIGKILL leaves the lock file behind');
  assert.match(fs.readFileSync(lock, 'utf8'), new RegExp(`"pid":${first.child.pid}\\b`));
  const second = await startServe(['--data-dir', dataDir]);
  try {
    assert.match(fs.readFileSync(lock, 'utf8'), new RegExp(`"pid":${second.child.pid}\\b`));
  } finally {
    assert.equal(await second.stop(), 0);
  }
});
