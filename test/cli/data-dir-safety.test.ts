import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { mountTmpfs, tmpfsSkipReason } from '../helpers/tmpfs.js';
import { runCli, serveRefused, startServe, tempCases } from './cli-process.js';

// Issue 8, findings 1 and 10: Foxden never changes the mode of a directory it did not create,
// refuses one that lets other users in, tightens loose files (and says so), and turns
// filesystem failures into one plain line.

const { tmp, fresh } = tempCases('foxden-cli-safety-', 'case');
const posix = process.platform !== 'win32';
const root = process.getuid?.() === 0;
const PASSWORD = 'a long enough password\na long enough password\n';

function mode(p: string): number {
  return fs.statSync(p).mode & 0o7777;
}

/** The one line `foxden: …` the CLI printed on stderr (warnings aside). */
function errorLine(stderr: string[]): string {
  const lines = stderr.filter((l) => l.startsWith('foxden: ') && !l.startsWith('foxden: warning:'));
  assert.equal(lines.length, 1, `one error line:\n${stderr.join('\n')}`);
  return lines[0] as string;
}

async function addUser(dataDir: string, name = 'alice') {
  return runCli(['user', 'add', name, '--data-dir', dataDir], { stdin: PASSWORD });
}

test(
  'an existing 0755 data directory is refused with the chmod fix, and its mode is left alone',
  { skip: !posix },
  async () => {
    const dataDir = fresh();
    fs.mkdirSync(dataDir);
    fs.chmodSync(dataDir, 0o755);
    const serve = await serveRefused(['--data-dir', dataDir]);
    assert.notEqual(serve.code, 0);
    const line = errorLine(serve.stderr);
    assert.match(line, new RegExp(`${dataDir}.*chmod 700 ${dataDir}`));
    assert.equal(mode(dataDir), 0o755, 'the directory mode is unchanged');
    assert.deepEqual(fs.readdirSync(dataDir), [], 'nothing was written into it');

    const add = await addUser(dataDir);
    assert.notEqual(add.code, 0);
    assert.match(errorLine(add.stderr), /chmod 700/);
    assert.equal(mode(dataDir), 0o755);
  },
);

test(
  'an sqluri in a shared sticky folder (like /tmp) is refused as shared; the sticky bit stays',
  { skip: !posix },
  async () => {
    const shared = fresh();
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o1777);
    const ini = `${fresh()}.ini`;
    fs.writeFileSync(ini, `[storage]\nsqluri = sqlite:///${shared}/sync.db\n`);
    const serve = await serveRefused(['--config', ini, '--data-dir', fresh()]);
    assert.notEqual(serve.code, 0);
    const line = errorLine(serve.stderr);
    assert.match(line, /shared/);
    assert.match(line, new RegExp(shared));
    assert.match(line, /private folder/);
    assert.equal(mode(shared), 0o1777, '/tmp-like folder keeps its sticky bit and modes');
    assert.ok(!fs.existsSync(path.join(shared, 'sync.db')), 'no database was created there');
  },
);

test('a read-only (0500) data directory keeps its mode and "user list" works', { skip: !posix }, async () => {
  const dataDir = fresh();
  assert.equal((await addUser(dataDir)).code, 0);
  fs.chmodSync(dataDir, 0o500);
  try {
    const list = await runCli(['user', 'list', '--data-dir', dataDir]);
    assert.equal(list.code, 0, list.stderr.join('\n'));
    assert.ok(
      list.stdout.some((l) => l.startsWith('alice ')),
      list.stdout.join('\n'),
    );
    assert.equal(mode(dataDir), 0o500, 'the owner’s read-only choice is kept');
    if (!root) {
      // root may write anywhere; anyone else is told plainly why a change cannot be made.
      const add = await addUser(dataDir, 'bob');
      assert.notEqual(add.code, 0);
      assert.match(errorLine(add.stderr), /read-only/);
      assert.equal(mode(dataDir), 0o500);
    }
  } finally {
    fs.chmodSync(dataDir, 0o700);
  }
});

test(
  'under umask 000 every directory Foxden creates is 0700 and the database 0600',
  { skip: !posix },
  async () => {
    const top = fresh();
    const dataDir = path.join(top, 'a', 'b');
    const add = await runCli(['user', 'add', 'alice', '--data-dir', dataDir], {
      stdin: PASSWORD,
      umask: '000',
    });
    assert.equal(add.code, 0, add.stderr.join('\n'));
    for (const dir of [top, path.join(top, 'a'), dataDir]) assert.equal(mode(dir), 0o700, dir);
    assert.equal(mode(path.join(dataDir, 'foxden.db')), 0o600);
  },
);

test(
  'loose files in the data directory are tightened to 0600 and the log says so',
  { skip: !posix },
  async () => {
    const dataDir = fresh();
    const first = await startServe(['--data-dir', dataDir]);
    assert.equal(await first.stop(), 0);
    const secret = path.join(dataDir, 'master-secret');
    const db = path.join(dataDir, 'foxden.db');
    fs.chmodSync(secret, 0o644);
    fs.chmodSync(db, 0o640);
    const second = await startServe(['--data-dir', dataDir]);
    try {
      assert.equal(mode(secret), 0o600);
      assert.equal(mode(db), 0o600);
      const log = second.stdout.join('\n');
      assert.match(log, new RegExp(`Tightened ${secret} from mode 0644 to 0600`));
      assert.match(log, new RegExp(`Tightened ${db} from mode 0640 to 0600`));
    } finally {
      assert.equal(await second.stop(), 0);
    }
  },
);

test('a data directory that is a file gets one plain line, not EEXIST', async () => {
  const file = fresh();
  fs.writeFileSync(file, 'not a folder\n');
  for (const dataDir of [file, path.join(file, 'below')]) {
    const add = await addUser(dataDir);
    assert.notEqual(add.code, 0);
    const line = errorLine(add.stderr);
    assert.equal(line, `foxden: ${file} is a file, not a folder; choose another --data-dir.`);
    const serve = await serveRefused(['--data-dir', dataDir]);
    assert.notEqual(serve.code, 0);
    assert.match(errorLine(serve.stderr), /is a file, not a folder; choose another --data-dir/);
    assert.doesNotMatch(serve.stderr.join('\n'), /EEXIST|ENOTDIR/);
  }
  assert.equal(fs.readFileSync(file, 'utf8'), 'not a folder\n');
});

test(
  'on a read-only file system "user list" and "setup-info" work and "user add" says read-only',
  { skip: tmpfsSkipReason() },
  async (t) => {
    const disk = mountTmpfs(tmp, '4m');
    if (disk === null) return t.skip('mount -t tmpfs failed');
    try {
      const dataDir = path.join(disk.dir, 'data');
      assert.equal((await addUser(dataDir)).code, 0);
      disk.remount('ro');
      const list = await runCli(['user', 'list', '--data-dir', dataDir]);
      assert.equal(list.code, 0, list.stderr.join('\n'));
      assert.ok(list.stdout.some((l) => l.startsWith('alice ')));
      const info = await runCli(['setup-info', '--data-dir', dataDir]);
      assert.equal(info.code, 0, info.stderr.join('\n'));
      const add = await addUser(dataDir, 'bob');
      assert.equal(add.code, 1);
      const line = errorLine(add.stderr);
      assert.match(line, /read-only file system/);
      assert.doesNotMatch(line, /EROFS|chmod/);
    } finally {
      disk.unmount();
    }
  },
);

test(
  'a fresh data directory on a full disk says "the disk is full"',
  { skip: tmpfsSkipReason() },
  async (t) => {
    const disk = mountTmpfs(tmp, '1m');
    if (disk === null) return t.skip('mount -t tmpfs failed');
    try {
      disk.fill();
      const add = await addUser(path.join(disk.dir, 'data-a'));
      assert.equal(add.code, 1);
      assert.match(errorLine(add.stderr), /^foxden: The disk is full: .* free\)\. Free some space/);
      const serve = await serveRefused(['--data-dir', path.join(disk.dir, 'data-b')]);
      assert.equal(serve.code, 1);
      assert.match(errorLine(serve.stderr), /The disk is full/);
      assert.doesNotMatch(serve.stderr.join('\n'), /disk I\/O error|ENOSPC/);
    } finally {
      disk.unmount();
    }
  },
);
