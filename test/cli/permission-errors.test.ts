import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { BIN, cleanEnv, runCli, type CliResult } from './cli-process.js';

// Issue 8, finding 10: permission problems (EACCES, EPERM on chmod, a read-only folder) are
// one plain line naming the path and the fix. Run as root, the commands under test run as
// "nobody" through setpriv, since root may write anywhere.

const NOBODY = 65534;
const canDrop =
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  spawnSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'true'])
    .status === 0;
const skip = canDrop ? false : 'needs root and setpriv to run the CLI as another user';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-cli-perm-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
fs.chmodSync(tmp, 0o711);
let counter = 0;
const PASSWORD = 'a long enough password\na long enough password\n';

/** `foxden …` as the user "nobody". */
function asNobody(args: string[], stdin = ''): Promise<CliResult> {
  const child = spawn(
    'setpriv',
    ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', process.execPath, BIN, ...args],
    { env: cleanEnv({ HOME: tmp }), cwd: tmp },
  );
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  child.stdin.end(stdin);
  const lines = (chunks: Buffer[]) =>
    Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
  return new Promise((resolve) =>
    child.once('close', (code) => resolve({ code, stdout: lines(out), stderr: lines(err) })),
  );
}

/** A data directory owned by nobody (0700) whose database root created, as `sudo foxden user add` would. */
async function dirWithRootsDatabase(): Promise<{ dir: string; db: string }> {
  const dir = path.join(tmp, `data-${++counter}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  assert.equal((await runCli(['user', 'add', 'alice', '--data-dir', dir], { stdin: PASSWORD })).code, 0);
  fs.chownSync(dir, NOBODY, NOBODY);
  return { dir, db: path.join(dir, 'foxden.db') };
}

function onlyLine(result: CliResult): string {
  assert.equal(result.stderr.length, 1, result.stderr.join('\n'));
  return result.stderr[0] as string;
}

test(
  'a database that belongs to another user (EACCES): one line naming it and the chown fix',
  { skip },
  async () => {
    const { dir, db } = await dirWithRootsDatabase();
    const add = await asNobody(['user', 'add', 'bob', '--data-dir', dir], PASSWORD);
    assert.equal(add.code, 1);
    assert.equal(
      onlyLine(add),
      `foxden: Foxden is not allowed to use ${db} (permission denied): it belongs to another user; ` +
        `give it back with "sudo chown -R nobody ${dir}", or choose another --data-dir.`,
    );
  },
);

test(
  'a loose database that cannot be tightened (EPERM on chmod): "user list" reads it, "user add" says how to fix it',
  { skip },
  async () => {
    const { dir, db } = await dirWithRootsDatabase();
    fs.chmodSync(db, 0o666);
    const list = await asNobody(['user', 'list', '--data-dir', dir]);
    assert.equal(list.code, 0, list.stderr.join('\n'));
    assert.ok(list.stdout.some((l) => l.startsWith('alice ')));
    const add = await asNobody(['user', 'add', 'bob', '--data-dir', dir], PASSWORD);
    assert.equal(add.code, 1);
    const line = onlyLine(add);
    assert.match(line, new RegExp(`${db} \\(permission denied\\).*sudo chown -R nobody ${dir}`));
    assert.doesNotMatch(line, /EPERM|chmod '/);
  },
);

test(
  'a read-only (0500) data directory: "user list" works, "user add" says it is read-only, the mode stays',
  { skip },
  async () => {
    const { dir, db } = await dirWithRootsDatabase();
    fs.chownSync(db, NOBODY, NOBODY);
    fs.chmodSync(dir, 0o500);
    const list = await asNobody(['user', 'list', '--data-dir', dir]);
    assert.equal(list.code, 0, list.stderr.join('\n'));
    assert.ok(list.stdout.some((l) => l.startsWith('alice ')));
    const add = await asNobody(['user', 'add', 'bob', '--data-dir', dir], PASSWORD);
    assert.equal(add.code, 1);
    assert.equal(
      onlyLine(add),
      `foxden: ${dir} is read-only (mode 0500), so Foxden cannot change anything there (reading works); ` +
        `to run the server or change accounts, make it writable with "chmod 700 ${dir}".`,
    );
    assert.equal(fs.statSync(dir).mode & 0o7777, 0o500);
  },
);
