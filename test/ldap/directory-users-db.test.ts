import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { copyDatabase } from '../../server/db/copy/copy-database.js';
import { openDatabase } from '../../server/db/open-database.js';
import type { Database, DirectoryUserRow } from '../../server/db/types.js';
import { databaseProblem, freshDatabase, type TestDatabaseKind } from '../helpers/databases.js';

/**
 * The directory_users table (issue 14: a directory person's stable id → their storage user) on
 * every backend whose test server answers (scripts/test-databases.sh), and `foxden db copy`
 * carrying it SQLite → PostgreSQL → MariaDB → SQLite.
 */

const T0 = 1_700_000_000_000;
const problems = {
  sqlite: null,
  postgres: await databaseProblem('postgres'),
  mysql: await databaseProblem('mysql'),
} as const;
const NETWORK = (['postgres', 'mysql'] as const).filter((kind) => problems[kind] === null);

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function fresh(kind: TestDatabaseKind): Promise<Database> {
  const made = await freshDatabase(kind);
  const db = await openDatabase(made.location);
  cleanups.push(async () => {
    await db.close();
    await made.cleanup();
  });
  return db;
}

/** A person with a long DN-like id and non-ASCII names, and their storage user. */
async function addPerson(db: Database, directoryId: string, name: string): Promise<DirectoryUserRow> {
  return db.transaction('write', async (tx) => {
    const userId = await tx.createStorageUser('sync11', T0);
    const row: DirectoryUserRow = {
      directoryId,
      kind: 'sync11',
      userId,
      name,
      displayName: 'Björn Ångström ✓',
      created: T0,
      lastSeen: T0 + 1,
    };
    await tx.insertDirectoryUser(row);
    return row;
  });
}

describe('directory_users', () => {
  for (const kind of ['sqlite', 'postgres', 'mysql'] as const) {
    test(
      `${kind}: insert, find by id and kind, a sign-in renames, list by name`,
      { skip: problems[kind] ?? false },
      async () => {
        const db = await fresh(kind);
        const uuid = '3f1c2d4e-0000-4000-8000-00000000abcd';
        const dn = `uid=björn,${'ou=a,'.repeat(60)}dc=test`;
        const first = await addPerson(db, uuid, 'zed');
        const second = await addPerson(db, dn, 'björn');
        await db.transaction('read', async (tx) => {
          assert.deepEqual(await tx.findDirectoryUser(uuid, 'sync11'), first);
          assert.equal(await tx.findDirectoryUser(uuid, 'fxa'), null, 'the kind is part of the key');
          assert.equal(await tx.findDirectoryUser(uuid.toUpperCase() + 'x', 'sync11'), null);
        });
        assert.equal(
          await db.transaction('write', (tx) =>
            tx.touchDirectoryUser(uuid, 'sync11', 'alicia', 'Alicia', T0 + 9),
          ),
          true,
        );
        assert.equal(
          await db.transaction('write', (tx) => tx.touchDirectoryUser('missing', 'sync11', 'x', 'x', T0)),
          false,
        );
        const rows = await db.transaction('read', (tx) => tx.listDirectoryUsers());
        assert.deepEqual(rows, [
          { ...first, name: 'alicia', displayName: 'Alicia', lastSeen: T0 + 9 },
          second,
        ]);
        // One storage user belongs to one person only.
        await assert.rejects(
          db.transaction('write', (tx) => tx.insertDirectoryUser({ ...second, directoryId: 'other' })),
        );
      },
    );
  }

  test(`foxden db copy carries it: sqlite → ${[...NETWORK, 'sqlite'].join(' → ')}`, async () => {
    let source = await fresh('sqlite');
    const person = await addPerson(source, '3f1c2d4e-0000-4000-8000-00000000abcd', 'alice');
    for (const kind of [...NETWORK, 'sqlite'] as const) {
      const target = await fresh(kind);
      await copyDatabase(source, target);
      const rows = await target.transaction('read', (tx) => tx.listDirectoryUsers());
      assert.deepEqual(rows, [person], `${source.kind} → ${kind}`);
      source = target;
    }
  });
});
