/**
 * `foxden backup FILE` and `foxden restore FILE` on PostgreSQL and MariaDB (issue 10, item 5)
 * through the real CLI (build with `npx tsc -p tsconfig.build.json` first): the backup is the
 * same marked, self-contained SQLite file an SQLite backup is, so a backup made on one backend
 * restores into any other; a restore replaces everything the database held, never shows a
 * password, and a file that is not a backup leaves the database untouched. Each backend's part
 * runs when its test server answers and skips with the reason otherwise.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspectBackupFile } from '../../server/admin/backup.js';
import type { DatabaseLocation } from '../../server/db/database-url.js';
import { openDatabase } from '../../server/db/open-database.js';
import { databaseProblem, freshDatabase, type TestDatabaseKind } from '../helpers/databases.js';
import { fillEveryKind, viewOf, type Manifest } from '../db/copy-fixture.js';
import { runCli, type CliResult } from './cli-process.js';

const problems = {
  postgres: await databaseProblem('postgres'),
  mysql: await databaseProblem('mysql'),
} as const;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-cli-backup-server-'));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  fs.rmSync(root, { recursive: true, force: true });
});

async function fresh(kind: TestDatabaseKind): Promise<DatabaseLocation> {
  const made = await freshDatabase(kind);
  cleanups.push(() => made.cleanup());
  return made.location;
}

function urlOf(location: DatabaseLocation): string {
  return location.kind === 'sqlite' ? `sqlite:///${location.file}` : location.url;
}

async function filled(
  kind: TestDatabaseKind,
  tag: string,
): Promise<{ location: DatabaseLocation; manifest: Manifest }> {
  const location = await fresh(kind);
  const db = await openDatabase(location);
  try {
    return { location, manifest: await fillEveryKind(db, tag) };
  } finally {
    await db.close();
  }
}

async function view(location: DatabaseLocation, manifest: Manifest): Promise<unknown> {
  const db = await openDatabase(location);
  try {
    return await viewOf(db, manifest);
  } finally {
    await db.close();
  }
}

let dirs = 0;
function dataDir(): string {
  const dir = path.join(root, `data-${++dirs}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  return dir;
}

function run(
  command: 'backup' | 'restore',
  file: string,
  location: DatabaseLocation,
  dir: string,
): Promise<CliResult> {
  return runCli([command, file, '--database-url', urlOf(location), '--data-dir', dir]);
}

function assertNothingSecret(result: CliResult): void {
  const all = [...result.stdout, ...result.stderr].join('\n');
  assert.doesNotMatch(all, /:[^/@:\s]+@/, 'a password was shown');
  assert.doesNotMatch(all, /^\s+at /m, 'a stack trace was shown');
}

function journalByte(file: string): number {
  const b = Buffer.alloc(100);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, b, 0, 100, 0);
  } finally {
    fs.closeSync(fd);
  }
  return b[18] as number;
}

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`foxden backup / restore on ${kind}`, { timeout: 180_000 }, () => {
    test('a backup is one marked SQLite file that restores into SQLite and into the same backend', async (t) => {
      if (problems[kind]) return t.skip(problems[kind]);
      const { location, manifest } = await filled(kind, 'a');
      const expected = await view(location, manifest);
      const dir = dataDir();
      const file = path.join(root, `${kind}-backup.db`);

      let started = Date.now();
      const made = await run('backup', file, location, dir);
      t.diagnostic(`backup of ${kind} (4 users, 36 records): ${Date.now() - started} ms`);
      assert.equal(made.code, 0, made.stderr.join('\n'));
      assertNothingSecret(made);
      assert.match(made.stdout[0] ?? '', /^Saved the backup .* \(\d+ bytes\)\.$/);
      const inspected = inspectBackupFile(file);
      assert.ok(inspected.kind === 'foxden' && inspected.marked, JSON.stringify(inspected));
      assert.equal(journalByte(file), 1, 'journal mode DELETE, one self-contained file');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(
        fs.readdirSync(root).filter((name) => name.startsWith(`.${kind}-backup`)),
        [],
        'no temp file left beside the backup',
      );
      assert.deepEqual(
        fs.readdirSync(dir).filter((name) => name.endsWith('.tmp')),
        [],
        'no working copy left',
      );

      // Into SQLite: the backup file is an ordinary Foxden database.
      const sqlite = await fresh('sqlite');
      started = Date.now();
      const intoSqlite = await run('restore', file, sqlite, dataDir());
      t.diagnostic(`restore into sqlite: ${Date.now() - started} ms`);
      assert.equal(intoSqlite.code, 0, intoSqlite.stderr.join('\n'));
      assert.deepEqual(await view(sqlite, manifest), expected, `${kind} backup → sqlite`);

      // Into a database of the same backend that holds other data: all of it is replaced.
      const { location: other } = await filled(kind, 'b');
      started = Date.now();
      const back = await run('restore', file, other, dataDir());
      t.diagnostic(`restore into ${kind}: ${Date.now() - started} ms`);
      assert.equal(back.code, 0, back.stderr.join('\n'));
      assertNothingSecret(back);
      assert.match(back.stdout[0] ?? '', /^Restored \S+ from /);
      assert.match(back.stdout.join('\n'), /Everything it held before was replaced/);
      assert.deepEqual(await view(other, manifest), expected, `${kind} backup → ${kind} (replacing)`);
    });

    test(`a backup made from SQLite restores into ${kind}`, async (t) => {
      if (problems[kind]) return t.skip(problems[kind]);
      const { location: sqlite, manifest } = await filled('sqlite', 'c');
      const expected = await view(sqlite, manifest);
      const file = path.join(root, `sqlite-for-${kind}.db`);
      const made = await run('backup', file, sqlite, dataDir());
      assert.equal(made.code, 0, made.stderr.join('\n'));
      const target = await fresh(kind);
      const restored = await run('restore', file, target, dataDir());
      assert.equal(restored.code, 0, restored.stderr.join('\n'));
      assert.deepEqual(await view(target, manifest), expected, `sqlite backup → ${kind}`);
    });

    test('a file that is not a Foxden backup is refused in one line and the database is untouched', async (t) => {
      if (problems[kind]) return t.skip(problems[kind]);
      const { location, manifest } = await filled(kind, 'd');
      const before = await view(location, manifest);
      const notes = path.join(root, `${kind}-notes.txt`);
      fs.writeFileSync(notes, 'shopping list\n');
      const refused = await run('restore', notes, location, dataDir());
      assert.equal(refused.code, 2);
      assert.equal(refused.stderr.length, 1, refused.stderr.join('\n'));
      assert.match(refused.stderr[0] ?? '', /not a Foxden backup/);
      assert.deepEqual(await view(location, manifest), before);
    });
  });
}
