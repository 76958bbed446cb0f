import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..', '..');
const refuse = path.join(root, 'test', 'unit', 'fixtures', 'refuse-db-drivers.mjs');
const factory = pathToFileURL(path.join(root, 'server', 'db', 'open-database.ts')).href;

/** Runs `code` in a child in which importing pg or mysql2 throws; answers its output and status. */
function withoutDrivers(code: string): { status: number | null; output: string } {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', pathToFileURL(refuse).href, '--input-type=module', '-e', code],
    { cwd: root, encoding: 'utf8', timeout: 30_000 },
  );
  return { status: child.status, output: `${child.stdout}${child.stderr}` };
}

test('opening an SQLite database loads neither pg nor mysql2', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-open-'));
  try {
    const file = path.join(dir, 'data', 'foxden.db');
    const sqlite = withoutDrivers(`
      const { openDatabase } = await import(${JSON.stringify(factory)});
      const db = await openDatabase({ kind: 'sqlite', file: ${JSON.stringify(file)} });
      const id = await db.transaction('write', (tx) => tx.createStorageUser('sync15', 1));
      console.log('kind=' + (await db.transaction('read', (tx) => tx.storageUserKind(id))));
      await db.close();
    `);
    assert.equal(sqlite.status, 0, sqlite.output);
    assert.match(sqlite.output, /kind=sync15/);
    // The control: the same child does load the driver for a PostgreSQL or MySQL location.
    for (const [kind, url] of [
      ['postgres', 'postgresql://u@127.0.0.1:9/d'],
      ['mysql', 'mysql://u@127.0.0.1:9/d'],
    ]) {
      const network = withoutDrivers(`
        const { openDatabase } = await import(${JSON.stringify(factory)});
        await openDatabase({ kind: '${kind}', url: '${url}', display: '${url}' });
      `);
      assert.notEqual(network.status, 0);
      assert.match(network.output, /driver loaded: (pg|mysql2)/);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
