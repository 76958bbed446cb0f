import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { LARGE_DELETE_ROWS } from '../../server/db/sql/storage.js';
import { SqliteDatabase } from '../../server/db/sqlite/sqlite-database.js';
import type { Database, Tx, TxMode } from '../../server/db/types.js';
import { StorageEngine } from '../../server/storage/engine.js';
import type { WritePolicy } from '../../server/storage/types.js';

/**
 * Issue 11 #19 review: an engine must know a floor may exist when its reclaimer finds one made
 * by another process or node, and a look that found none must not forget a delete made while it
 * looked. Otherwise a write over a deleted record's id keeps the dead row's place in insertion
 * order (the engine drops dead rows before such a write only while it knows of floors).
 */
const V11: WritePolicy = { bumpOnSortindex: false, touchWhenEmpty: false };
const ROWS = LARGE_DELETE_ROWS + 500;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-floors-'));
  cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'data', 'foxden.db');
}

function open(file: string): SqliteDatabase {
  const db = SqliteDatabase.open(file);
  cleanups.push(() => db.close());
  return db;
}

async function fill(engine: StorageEngine, user: number): Promise<void> {
  for (let i = 0; i < ROWS; i += 500) {
    const items = Array.from({ length: 500 }, (_, j) => ({ id: `id${i + j}`, payload: 'old' }));
    await engine.putItems(user, 'h', items, V11);
  }
}

async function floors(db: Database): Promise<number> {
  const rows = await db.raw!('read', async (runner) => runner.all('SELECT COUNT(*) AS n FROM bso_floors'));
  return Number(rows[0]?.n);
}

/** The rewrite the flag matters for: an id of a deleted row and a new one, then the listing. */
async function rewriteOrder(engine: StorageEngine, user: number): Promise<string[]> {
  await engine.putItems(
    user,
    'h',
    [
      { id: 'fresh', payload: 'new' },
      { id: 'id5', payload: 'new' },
    ],
    V11,
  );
  return (await engine.query(user, 'h', {})).items.map((bso) => bso.id);
}

describe('floors seen by the engine', () => {
  test("a floor another node made, found by this engine's reclaimer, counts", async () => {
    const file = tempFile();
    const dbA = open(file);
    const dbB = open(file);
    const nodeA = new StorageEngine(dbA);
    const nodeB = new StorageEngine(dbB);
    const user = await dbA.transaction('write', (tx) => tx.createStorageUser('test', Date.now()));
    await fill(nodeA, user);
    // B has looked and found no floor.
    await nodeB.reclaimNow();
    await nodeA.deleteItems(user, 'h', {}, V11);
    assert.equal(await floors(dbB), 1, 'the delete went through a floor');
    // B's poll looks (and finds A's floor); it stops before reclaiming anything.
    nodeB.startBackgroundWork({ pollMs: 3_600_000 });
    await nodeB.stopBackgroundWork();
    assert.equal(await floors(dbB), 1, 'the rows still wait for the reclaimer');
    assert.deepEqual(await rewriteOrder(nodeB, user), ['fresh', 'id5']);
  });

  test('a look that found no floor does not forget a delete made while it looked', async () => {
    const real = open(tempFile());
    // Holds the answer of the reclaimer's look (hasDeletedRows) until `release`.
    let gate: Promise<void> | null = null;
    let release = () => {};
    let looked: () => void = () => {};
    const lookDone = new Promise<void>((resolve) => (looked = resolve));
    const db = new Proxy(real, {
      get(target, prop) {
        if (prop === 'transaction') {
          return async <T>(mode: TxMode, fn: (tx: Tx) => T | Promise<T>): Promise<T> => {
            let isLook = false;
            const result = await target.transaction(mode, (tx) =>
              fn(
                new Proxy(tx, {
                  get(inner, name) {
                    if (name === 'hasDeletedRows') isLook = true;
                    const value = Reflect.get(inner, name, inner) as unknown;
                    return typeof value === 'function' ? value.bind(inner) : value;
                  },
                }),
              ),
            );
            if (isLook && gate) {
              looked();
              await gate;
            }
            return result;
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Database;
    const engine = new StorageEngine(db);
    const user = await db.transaction('write', (tx) => tx.createStorageUser('test', Date.now()));
    await fill(engine, user);
    await engine.reclaimNow(); // no floor: the flag is down
    gate = new Promise((resolve) => (release = resolve));
    engine.startBackgroundWork({ pollMs: 3_600_000 });
    await lookDone; // the look has read "no floor" …
    await engine.deleteItems(user, 'h', {}, V11); // … and a large delete lands before it answers
    const stopping = engine.stopBackgroundWork();
    release();
    await stopping;
    assert.equal(await floors(real), 1, 'the rows still wait for the reclaimer');
    assert.deepEqual(await rewriteOrder(engine, user), ['fresh', 'id5']);
  });
});
