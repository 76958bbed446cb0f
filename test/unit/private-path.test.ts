import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  checkPrivateDir,
  ensurePrivateDir,
  ensurePrivateFile,
  plainFsError,
  takeFileNotes,
} from '../../server/fs/private-path.js';
import { storageWarnings } from '../../server/admin/storage-warnings.js';
import { LOW_SPACE_BYTES } from '../../server/storage-health.js';
import { storageHealthOf } from '../../server/db/server-database.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-private-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const posix = process.platform !== 'win32';
const mode = (p: string) => fs.statSync(p).mode & 0o7777;
const errno = (code: string) => Object.assign(new Error(`${code}: raw system words`), { code });

test(
  'new directories are 0700 at every level whatever the umask; existing ones are never chmodded',
  { skip: !posix },
  () => {
    const old = process.umask(0);
    try {
      const deep = path.join(tmp, 'n1', 'n2', 'n3');
      ensurePrivateDir(deep);
      for (const dir of ['n1', 'n1/n2', 'n1/n2/n3']) assert.equal(mode(path.join(tmp, dir)), 0o700, dir);
      const ro = path.join(tmp, 'ro');
      fs.mkdirSync(ro, { mode: 0o500 });
      fs.chmodSync(ro, 0o500);
      ensurePrivateDir(ro);
      assert.equal(mode(ro), 0o500, 'a read-only directory stays read-only');
    } finally {
      process.umask(old);
    }
  },
);

test(
  'an existing directory others can enter is refused, naming it and the fix; a sticky one is "shared"',
  { skip: !posix },
  () => {
    const open = path.join(tmp, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o750);
    assert.throws(() => ensurePrivateDir(open), {
      message: new RegExp(`^${open} lets other users in \\(mode 0750\\).*"chmod 700 ${open}"`),
    });
    assert.equal(mode(open), 0o750);
    const sticky = path.join(tmp, 'sticky');
    fs.mkdirSync(sticky);
    fs.chmodSync(sticky, 0o1777);
    assert.throws(
      () => checkPrivateDir(sticky, { setting: '[storage] sqluri' }),
      /is a shared folder.*choose a private folder with \[storage\] sqluri/,
    );
    assert.equal(mode(sticky), 0o1777);
  },
);

test(
  'a loose existing file is tightened to 0600 and a note says so; a private one is left alone',
  { skip: !posix },
  () => {
    takeFileNotes();
    const file = path.join(tmp, 'loose');
    fs.writeFileSync(file, 'x');
    fs.chmodSync(file, 0o644);
    ensurePrivateFile(file);
    assert.equal(mode(file), 0o600);
    assert.deepEqual(takeFileNotes(), [
      `Tightened ${file} from mode 0644 to 0600: only its owner may read it.`,
    ]);
    ensurePrivateFile(file);
    assert.deepEqual(takeFileNotes(), []);
  },
);

test('system errors become one plain line naming the path and what to do', () => {
  const file = path.join(tmp, 'plain-file');
  fs.writeFileSync(file, '');
  assert.equal(
    plainFsError(errno('EEXIST'), path.join(file, 'sub')).message,
    `${file} is a file, not a folder; choose another --data-dir.`,
  );
  const rofs = plainFsError(errno('EROFS'), tmp).message;
  assert.match(rofs, /read-only file system/);
  assert.match(rofs, /foxden user list/);
  for (const code of ['EPERM', 'EACCES']) {
    const line = plainFsError(errno(code), file).message;
    assert.match(line, new RegExp(`${file}.*(chown|chmod)`));
    assert.doesNotMatch(line, /raw system words/);
  }
  assert.match(plainFsError(errno('ENOSPC'), file).message, /^The disk is full: .* free\)/);
  assert.equal(
    plainFsError(errno('EIO'), file).message,
    'EIO: raw system words',
    'unknown codes keep their words',
  );
});

test('storage warnings: low space warns, a full disk is an error with the free space, and clears on the next commit', () => {
  const status = {
    diskFull: null,
    free: { freeBytes: 600 * 1024 ** 2, totalBytes: 100 * 1024 ** 3 },
    lowSpaceBytes: LOW_SPACE_BYTES,
    dir: '/data',
  };
  assert.deepEqual(
    storageWarnings(status).map((w) => [w.code, w.severity]),
    [['disk-space-low', 'warning']],
  );
  assert.match(storageWarnings(status)[0]?.message ?? '', /600\.0 MB free of 100\.0 GB/);
  assert.deepEqual(
    storageWarnings({ ...status, free: { freeBytes: 5 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 } }),
    [],
  );

  const health = storageHealthOf({ kind: 'sqlite', file: path.join(tmp, 'foxden.db') }, () => 42);
  health.writeFailed(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
  assert.equal(health.status().diskFull, null, 'a busy database is not a full disk');
  health.writeFailed(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
  const full = health.status();
  assert.deepEqual(full.diskFull, { since: 42, detail: 'database or disk is full' });
  const warning = storageWarnings(full)[0];
  assert.equal(warning?.code, 'disk-full');
  assert.equal(warning?.severity, 'error');
  assert.ok(health.status().diskFull, 'no room was made: still full');
  health.writeSucceeded();
  assert.equal(health.status().diskFull, null);
});
