import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { startServe } from './cli-process.js';

/**
 * Issue 11 item 19: `foxden serve` killed (SIGKILL) while it reclaims a large delete's rows in
 * the background: after a restart the deleted collection is still wholly gone, never half,
 * and the server carries on reclaiming until no row and no floor is left.
 */
const USERNAME = 'u2wqblarhim5su7pxemcbwdyryrghmuk'; // base32(sha1("test@test.com")), spec 1.1 §3.1
const PASSWORD = 'large delete crash test';
const AUTH = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
const RECORDS = 20_000;
const PER_POST = 100;

function stored(file: string): { rows: number; floors: number; integrity: string } {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return {
      rows: db
        .prepare(
          "SELECT COUNT(*) FROM bsos WHERE collection_id = (SELECT id FROM collections WHERE name = 'history')",
        )
        .pluck()
        .get() as number,
      floors: db.prepare('SELECT COUNT(*) FROM bso_floors').pluck().get() as number,
      integrity: db.pragma('integrity_check', { simple: true }) as string,
    };
  } finally {
    db.close();
  }
}

test('SIGKILL while reclaiming a deleted collection: after a restart it stays gone and the reclaim finishes', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-reclaim-crash-'));
  const file = path.join(dataDir, 'foxden.db');
  const headers = { Authorization: AUTH, 'Content-Type': 'application/json' };
  try {
    const first = await startServe(['--data-dir', dataDir, '--allow-new-users']);
    try {
      const created = await fetch(`${first.url}user/1.0/${USERNAME}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ password: PASSWORD, email: 'test@test.com' }),
      });
      assert.equal(created.status, 200, await created.text());
      const payload = 'p'.repeat(600);
      for (let i = 0; i < RECORDS; i += PER_POST) {
        const items = Array.from({ length: PER_POST }, (_, j) => ({ id: `r${i + j}`, payload }));
        const res = await fetch(`${first.url}1.1/${USERNAME}/storage/history`, {
          method: 'POST',
          headers,
          body: JSON.stringify(items),
        });
        assert.equal(res.status, 200, await res.text());
      }
      const deleted = await fetch(`${first.url}1.1/${USERNAME}/storage/history`, {
        method: 'DELETE',
        headers,
      });
      assert.equal(deleted.status, 200, await deleted.text());
    } finally {
      // At once: the reclaimer has only begun.
      first.child.kill('SIGKILL');
      await first.exit;
    }
    const killed = stored(file);
    assert.ok(killed.rows > 0 && killed.floors === 1, `mid-reclaim at the kill: ${JSON.stringify(killed)}`);

    const second = await startServe(['--data-dir', dataDir]);
    try {
      const listed = await fetch(`${second.url}1.1/${USERNAME}/storage/history?full=1&limit=5`, { headers });
      assert.equal(await listed.text(), '[]');
      const counts = await fetch(`${second.url}1.1/${USERNAME}/info/collection_counts`, { headers });
      assert.equal(((await counts.json()) as Record<string, number>).history ?? 0, 0);
      await second.waitForLine(/deleted records reclaimed/, 60_000);
    } finally {
      assert.equal(await second.stop(), 0);
    }
    assert.deepEqual(stored(file), { rows: 0, floors: 0, integrity: 'ok' });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
