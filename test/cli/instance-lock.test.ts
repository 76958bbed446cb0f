import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runCli, spawnCli, startServe, type CliResult } from './cli-process.js';

// Issue 8, finding 12: one SQLite data directory, one server.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-cli-lock-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
/** `foxden serve` that should refuse to start; one that starts anyway is stopped after 15 s. */
async function serveRefused(args: string[]): Promise<CliResult> {
  const cli = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0', '--no-admin', ...args]);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 15_000);
  const code = await cli.exit;
  clearTimeout(timer);
  return { code, stdout: cli.stdout.filter((l) => l !== ''), stderr: cli.stderr.filter((l) => l !== '') };
}

let counter = 0;
const fresh = () => path.join(tmp, `data-${++counter}`);

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
