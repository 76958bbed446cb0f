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
import BetterSqlite3 from 'better-sqlite3';
import { runCli, startServe, type CliResult } from './cli-process.js';

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

/** A Sync 1.1 user added with `foxden user add`, and PUT/GET of records through a server. */
async function sync11User(location: DatabaseLocation, dir: string, name: string) {
  const added = await runCli(['user', 'add', name, '--database-url', urlOf(location), '--data-dir', dir], {
    stdin: 'correct horse battery\n',
  });
  assert.equal(added.code, 0, added.stderr.join('\n'));
  const auth = `Basic ${Buffer.from(`${name}:correct horse battery`).toString('base64')}`;
  return {
    async put(base: string, id: string) {
      const res = await fetch(`${base}1.1/${name}/storage/tabs/${id}`, {
        method: 'PUT',
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ id, payload: id }),
      });
      assert.equal(res.status, 200, await res.text());
    },
    async ids(base: string): Promise<string[]> {
      const res = await fetch(`${base}1.1/${name}/storage/tabs`, { headers: { Authorization: auth } });
      assert.equal(res.status, 200);
      return ((await res.json()) as string[]).sort();
    },
  };
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

    test('a restore that fails half-way leaves the database exactly as it was (one transaction)', async (t) => {
      if (problems[kind]) return t.skip(problems[kind]);
      const { location: sqlite, manifest } = await filled('sqlite', 'f');
      const file = path.join(root, `broken-for-${kind}.db`);
      const made = await run('backup', file, sqlite, dataDir());
      assert.equal(made.code, 0, made.stderr.join('\n'));
      // A valid SQLite file whose last Sync 1.1 user belongs to no storage user: SQLite without
      // foreign keys takes it, the database server refuses it after the earlier tables went in.
      const db = new BetterSqlite3(file);
      db.pragma('foreign_keys = OFF');
      db.prepare(
        'INSERT INTO sync11_users (user_id, username, password_hash, email, status, created_ms) VALUES (987654, ?, ?, NULL, 1, 0)',
      ).run('orphan', 'x');
      db.close();

      const { location: target, manifest: theirs } = await filled(kind, 'g');
      const before = await view(target, theirs);
      const failed = await run('restore', file, target, dataDir());
      assert.equal(failed.code, 1, failed.stdout.concat(failed.stderr).join('\n'));
      assert.equal(failed.stderr.length, 1, failed.stderr.join('\n'));
      assert.match(failed.stderr[0] ?? '', /The backup could not be restored/);
      assertNothingSecret(failed);
      assert.deepEqual(await view(target, theirs), before, 'nothing of the backup went in');
      assert.notDeepEqual(await view(target, manifest), await view(sqlite, manifest));
    });

    test('a server serving from the database sees the restored data at once', async (t) => {
      if (problems[kind]) return t.skip(problems[kind]);
      const location = await fresh(kind);
      const dir = dataDir();
      const user = await sync11User(location, dir, `carol${kind}`);
      const server = await startServe(['--database-url', urlOf(location), '--data-dir', dir]);
      try {
        await user.put(server.url, 'kept');
        const file = path.join(root, `${kind}-served.db`);
        const made = await run('backup', file, location, dataDir());
        assert.equal(made.code, 0, made.stderr.join('\n'));
        await user.put(server.url, 'later');
        assert.deepEqual(await user.ids(server.url), ['kept', 'later']);
        const restored = await run('restore', file, location, dataDir());
        assert.equal(restored.code, 0, restored.stderr.join('\n'));
        assert.deepEqual(
          await user.ids(server.url),
          ['kept'],
          'no cache of the running server hides the restore',
        );
      } finally {
        await server.stop();
      }
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
