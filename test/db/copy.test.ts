/**
 * The `foxden db copy` engine (server/db/copy/): every kind of user copied SQLite →
 * PostgreSQL → MariaDB → SQLite ends with identical data as read through the Tx interface;
 * a target holding data is refused unless replaced; a copy onto itself is refused; a target
 * that does not verify is rolled back and named; reads are bounded pages. PostgreSQL and
 * MariaDB parts run when their test servers answer (scripts/test-databases.sh) and skip
 * with the reason otherwise.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../server/db/open-database.js';
import type { DatabaseLocation } from '../../server/db/database-url.js';
import type { Database } from '../../server/db/types.js';
import { copyDatabase, CopyError } from '../../server/db/copy/copy-database.js';
import { copyLocations } from '../../server/db/copy/copy-locations.js';
import { sameDatabase } from '../../server/db/copy/same-database.js';
import {
  databaseProblem,
  freshDatabase,
  type FreshDatabase,
  type TestDatabaseKind,
} from '../helpers/databases.js';
import { fillEveryKind, T0, viewOf, type Manifest } from './copy-fixture.js';

const problems = {
  sqlite: null,
  postgres: await databaseProblem('postgres'),
  mysql: await databaseProblem('mysql'),
} as const;
const NETWORK_KINDS = (['postgres', 'mysql'] as const).filter((kind) => problems[kind] === null);

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

/** A brand-new database of the kind, opened; closed and dropped after the file's tests. */
async function fresh(
  kind: TestDatabaseKind,
): Promise<{ db: Database; location: DatabaseLocation; fresh: FreshDatabase }> {
  const made = await freshDatabase(kind);
  const db = await openDatabase(made.location);
  cleanups.push(async () => {
    await db.close();
    await made.cleanup();
  });
  return { db, location: made.location, fresh: made };
}

/** A storage user and a collection created on `db` after the copy get ids above the copied ones. */
async function assertNewIdsAbove(db: Database, m: Manifest): Promise<void> {
  const highest = Math.max(m.deletedUser, ...Object.values(m.users));
  const { user, collection } = await db.transaction('write', async (tx) => ({
    user: await tx.createStorageUser('sync15', T0),
    collection: (await tx.collectionId(`new-after-copy-${db.kind}`, true)) as number,
  }));
  assert.ok(
    user > highest,
    `${db.kind}: new storage user ${user} must be above ${highest} (deleted ids included)`,
  );
  const custom = await db.transaction('read', (tx) => tx.collectionId(m.collections[1] as string, false));
  assert.ok(collection > (custom as number), `${db.kind}: new collection ${collection} above ${custom}`);
  // Undo, so the view compared later is the copied one.
  await db.transaction('write', (tx) => tx.deleteStorageUser(user));
}

describe('foxden db copy: engine', () => {
  test(`every kind of user survives sqlite → ${NETWORK_KINDS.join(' → ')}${NETWORK_KINDS.length ? ' → ' : ''}sqlite`, async (t) => {
    for (const kind of ['postgres', 'mysql'] as const) {
      if (problems[kind] !== null) t.diagnostic(`${kind} left out of the chain: ${problems[kind]}`);
    }
    const chain: TestDatabaseKind[] = ['sqlite', ...NETWORK_KINDS, 'sqlite'];
    const first = await fresh('sqlite');
    const manifest = await fillEveryKind(first.db);
    const expected = await viewOf(first.db, manifest);
    let source = first.db;
    for (const kind of chain.slice(1)) {
      const target = await fresh(kind);
      const started = Date.now();
      // Pages of two rows: every table is read through its keyset query on every backend.
      const result = await copyDatabase(source, target.db, { limits: { maxRows: 2, targetBytes: 1 << 30 } });
      t.diagnostic(`${source.kind} → ${kind}: ${Date.now() - started} ms`);
      assert.equal(result.largestPage, 2);
      assert.equal(result.users, 4, 'three users and the replaced tokenserver row own storage ids');
      assert.equal(result.records, 4 + 1 + 30 + 1);
      assert.deepEqual(await viewOf(target.db, manifest), expected, `${source.kind} → ${kind}`);
      source = target.db;
    }
    // Ids the database assigns continue above the copied ones on every backend of the chain.
    for (const db of [first.db, source]) await assertNewIdsAbove(db, manifest);
  });

  for (const kind of ['sqlite', 'postgres', 'mysql'] as const) {
    test(
      `a new user and collection on a ${kind} target get ids above the copied ones`,
      {
        skip: problems[kind] ?? false,
      },
      async () => {
        const from = await fresh('sqlite');
        const manifest = await fillEveryKind(from.db);
        const to = await fresh(kind);
        await copyDatabase(from.db, to.db);
        await assertNewIdsAbove(to.db, manifest);
      },
    );

    test(
      `a ${kind} target that does not verify is rolled back and named`,
      {
        skip: problems[kind] ?? false,
      },
      async () => {
        const from = await fresh('sqlite');
        const manifest = await fillEveryKind(from.db);
        const to = await fresh(kind);
        // One payload changed on the target between the copy and its verification.
        await assert.rejects(
          copyDatabase(from.db, to.db, {
            beforeVerify: async (runner) => {
              await runner.run("UPDATE bsos SET payload = 'tampered' WHERE user_id = ? AND id = 'alpha'", [
                manifest.users.sync11,
              ]);
            },
          }),
          (err: unknown) =>
            err instanceof CopyError &&
            err.reason === 'mismatch' &&
            err.message.includes(`storage user ${manifest.users.sync11}`) &&
            !err.message.includes('\n'),
        );
        // Rolled back: the target is as empty as before, and a later copy still works.
        assert.deepEqual(await to.db.transaction('read', (tx) => tx.listSync11Users()), []);
        await copyDatabase(from.db, to.db);
        assert.deepEqual(await viewOf(to.db, manifest), await viewOf(from.db, manifest));
      },
    );
  }

  for (const kind of ['sqlite', 'postgres', 'mysql'] as const) {
    test(
      `the copy is one snapshot of a ${kind} source that is written to meanwhile`,
      {
        skip: problems[kind] ?? false,
      },
      async () => {
        const from = await fresh(kind);
        const manifest = await fillEveryKind(from.db);
        const expected = await viewOf(from.db, manifest);
        // Another node (on SQLite, another connection) keeps writing while the copy reads.
        const other = await openDatabase(from.location);
        cleanups.push(() => other.close());
        const to = await fresh('sqlite');
        const result = await copyDatabase(from.db, to.db, {
          onTable: async (table) => {
            if (table !== 'storage_users' && table !== 'user_collections') return;
            await other.transaction('write', async (tx) => {
              const late = await tx.createStorageUser('sync11', T0);
              await tx.insertSync11User({
                userId: late,
                username: `late-${table}`,
                passwordHash: 'x',
                email: null,
                status: 1,
                created: T0,
              });
              const bookmarks = (await tx.collectionId('bookmarks', true)) as number;
              await tx.putBsos(manifest.users.sync11, bookmarks, [
                {
                  id: `late-${table}`,
                  modified: T0 + 99,
                  payload: 'late',
                  sortindex: 1,
                  parentid: null,
                  predecessorid: null,
                  expiry: null,
                },
              ]);
              await tx.setCollectionModified(manifest.users.sync11, bookmarks, T0 + 99);
            });
          },
        });
        assert.equal(result.users, 4, 'the users written during the copy are not in it');
        assert.deepEqual(await viewOf(to.db, manifest), expected);
        assert.equal(await to.db.transaction('read', (tx) => tx.findSync11User('late-storage_users')), null);
        // The writes did land on the source.
        assert.ok(await from.db.transaction('read', (tx) => tx.findSync11User('late-user_collections')));
      },
    );
  }

  test('a missing row and a changed account row are named by table', async () => {
    const from = await fresh('sqlite');
    await fillEveryKind(from.db);
    const to = await fresh('sqlite');
    await assert.rejects(
      copyDatabase(from.db, to.db, {
        beforeVerify: async (runner) => {
          await runner.run('DELETE FROM fxa_refresh_tokens');
        },
      }),
      /table fxa_refresh_tokens has 1 rows in the source but 0 in the target/,
    );
    await assert.rejects(
      copyDatabase(from.db, to.db, {
        beforeVerify: async (runner) => {
          await runner.run("UPDATE fxa_devices SET name = 'renamed'");
        },
      }),
      /the checksum of table fxa_devices differs/,
    );
    // Order matters too: the same rows, one record moved to the end of the insertion order.
    const columns =
      'user_id, collection_id, id, sortindex, payload, payload_bytes, parentid, predecessorid, modified_ms, expiry_ms';
    await assert.rejects(
      copyDatabase(from.db, to.db, {
        beforeVerify: async (runner) => {
          const [row] = await runner.all(`SELECT ${columns} FROM bsos WHERE id = 'zeta'`);
          await runner.run("DELETE FROM bsos WHERE id = 'zeta'");
          await runner.run(
            `INSERT INTO bsos (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            Object.values(row ?? {}),
          );
        },
      }),
      /the checksum of storage user \d+ differs/,
    );
  });

  test('a target that holds data is refused, and --replace replaces all of it', async () => {
    const from = await fresh('sqlite');
    const manifest = await fillEveryKind(from.db);
    const to = await fresh('sqlite');
    const theirs = await fillEveryKind(to.db, 'b');
    const before = await viewOf(to.db, theirs);
    await assert.rejects(
      copyDatabase(from.db, to.db),
      (err: unknown) =>
        err instanceof CopyError &&
        err.reason === 'not-empty' &&
        /storage_users is not empty.*--replace/.test(err.message),
    );
    assert.deepEqual(await viewOf(to.db, theirs), before, 'a refused copy changes nothing');

    // Only an account table holds data: still refused.
    const accountsOnly = await fresh('sqlite');
    await accountsOnly.db.transaction('write', async (tx) => {
      await tx.fxaInsertAccount({
        uid: 'f'.repeat(32),
        email: 'x@example.org',
        normalizedEmail: 'x@example.org',
        authSalt: new Uint8Array(32),
        verifyHash: new Uint8Array(32),
        kA: new Uint8Array(32),
        wrapWrapKb: new Uint8Array(32),
        verifierSetAt: T0,
        keysChangedAt: T0,
        createdAt: T0,
      });
    });
    await assert.rejects(copyDatabase(from.db, accountsOnly.db), /fxa_accounts is not empty/);

    const result = await copyDatabase(from.db, to.db, { replace: true });
    assert.equal(result.users, 4);
    assert.deepEqual(await viewOf(to.db, manifest), await viewOf(from.db, manifest));
    // Nothing of the replaced data is left.
    const left = await to.db.transaction('read', async (tx) => ({
      sync11: await tx.findSync11User('paleb'),
      account: await tx.fxaAccountByEmail('local-b@example.org'),
      custom: await tx.collectionId('custom-b', false),
      batch: await tx.getBatch(theirs.batchId),
    }));
    assert.deepEqual(left, { sync11: null, account: null, custom: null, batch: null });
  });

  for (const kind of NETWORK_KINDS) {
    test(`--replace onto ${kind} replaces its data and keeps ids moving forward`, async () => {
      const from = await fresh('sqlite');
      const manifest = await fillEveryKind(from.db);
      const to = await fresh(kind);
      await fillEveryKind(to.db, 'b');
      // The target's own ids went higher than the source's: they must not be handed out again.
      const high = await to.db.transaction('write', async (tx) => {
        let id = 0;
        for (let i = 0; i < 10; i++) id = await tx.createStorageUser('sync15', T0);
        return id;
      });
      await assert.rejects(copyDatabase(from.db, to.db), /--replace/);
      await copyDatabase(from.db, to.db, { replace: true });
      assert.deepEqual(await viewOf(to.db, manifest), await viewOf(from.db, manifest));
      const next = await to.db.transaction('write', (tx) => tx.createStorageUser('sync15', T0));
      assert.ok(next > high, `next id ${next} above the target's earlier ${high}`);
    });
  }

  test('a database is never copied onto itself', async () => {
    const one = await freshDatabase('sqlite');
    cleanups.push(() => one.cleanup());
    assert.equal(one.location.kind, 'sqlite');
    const file = (one.location as { file: string }).file;
    const db = await openDatabase(one.location);
    await fillEveryKind(db);
    await db.close();
    const spelledOtherwise: DatabaseLocation = {
      kind: 'sqlite',
      file: path.join(path.dirname(file), '.', '..', path.basename(path.dirname(file)), path.basename(file)),
    };
    const link = path.join(path.dirname(path.dirname(file)), 'link.db');
    fs.symlinkSync(file, link);
    for (const to of [one.location, spelledOtherwise, { kind: 'sqlite', file: link } as const]) {
      await assert.rejects(
        copyLocations(one.location, to),
        (err: unknown) => err instanceof CopyError && /cannot be copied onto itself/.test(err.message),
      );
    }
    const pg = (user: string, host: string) => ({
      kind: 'postgres' as const,
      url: `postgresql://${user}@${host}/foxden`,
      display: '',
    });
    assert.ok(sameDatabase(pg('a:secret', 'localhost'), pg('b', '127.0.0.1:5432')));
    assert.ok(!sameDatabase(pg('a', 'localhost'), pg('a', 'localhost:5433')));
    assert.ok(
      !sameDatabase(pg('a', 'db.lan'), { kind: 'mysql', url: 'mysql://a@db.lan/foxden', display: '' }),
    );
  });

  test('reads are bounded pages: 20,000 records of 1 KB are never held at once', async (t) => {
    const from = await fresh('sqlite');
    const users = await from.db.transaction('write', async (tx) => {
      const ids: number[] = [];
      for (let u = 0; u < 4; u++) {
        const user = await tx.createStorageUser('sync15', T0);
        ids.push(user);
        const collection = (await tx.collectionId(u % 2 ? 'history' : 'bookmarks', true)) as number;
        for (let i = 0; i < 5000; i += 500) {
          await tx.putBsos(
            user,
            collection,
            Array.from({ length: 500 }, (_, j) => ({
              id: `r${((i + j) * 7919) % 5000}`,
              modified: T0 + i + j,
              payload: 'x'.repeat(1024),
              sortindex: j,
              parentid: null,
              predecessorid: null,
              expiry: null,
            })),
          );
        }
      }
      return ids;
    });
    const to = await fresh('sqlite');
    const started = Date.now();
    const result = await copyDatabase(from.db, to.db);
    t.diagnostic(
      `20,000 records sqlite → sqlite: ${Date.now() - started} ms, largest page ${result.largestPage} rows`,
    );
    assert.equal(result.records, 20_000);
    assert.ok(result.largestPage <= 1000, `largest page ${result.largestPage}`);
    // The default order of a 5,000-record collection is the source's.
    const order = (db: Database, user: number, name: string) =>
      db.transaction('read', async (tx) =>
        (
          await tx.queryBsos(user, (await tx.collectionId(name, false)) as number, { idsOnly: true }, T0)
        ).items.map((b) => b.id),
      );
    assert.deepEqual(
      await order(to.db, users[1] as number, 'history'),
      await order(from.db, users[1] as number, 'history'),
    );
  });
});
