import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { startServe } from './cli-process.js';

// Crash safety: every write the server acknowledged survives a SIGKILL in the middle of a
// stream of writes, and the database file is intact afterwards.

const USERNAME = 'u2wqblarhim5su7pxemcbwdyryrghmuk'; // base32(sha1("test@test.com")), spec 1.1 §3.1
const PASSWORD = 'crash test password';
const AUTH = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
const COLLECTIONS = ['bookmarks', 'history', 'forms'];
const WRITERS = 4;
const MAX_WRITES_PER_WRITER = 400;
/** Kill once this many writes were acknowledged, or after KILL_AFTER_MS, whichever first. */
const KILL_AFTER_ACKS = 300;
const KILL_AFTER_MS = 5000;

interface Acked {
  collection: string;
  id: string;
  payload: string;
}

function payloadFor(writer: number, n: number): string {
  // Mixed sizes, some large enough to span several WAL pages.
  const filler = 'x'.repeat(n % 7 === 0 ? 20_000 : (n * 37) % 600);
  return JSON.stringify({ writer, n, filler });
}

test('SIGKILL mid-stream loses no acknowledged write and leaves an intact database', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-crash-'));
  try {
    const first = await startServe(['--data-dir', dataDir, '--allow-new-users']);
    const created = await fetch(`${first.url}user/1.0/${USERNAME}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD, email: 'test@test.com' }),
    });
    assert.equal(created.status, 200, await created.text());

    const acked: Acked[] = [];
    let stop = false;
    const started = Date.now();
    const writer = async (w: number) => {
      for (let n = 0; n < MAX_WRITES_PER_WRITER && !stop; n++) {
        const collection = COLLECTIONS[(w + n) % COLLECTIONS.length] as string;
        const batch = n % 5 === 4;
        try {
          if (batch) {
            // POST of several records: each id listed in "success" is acknowledged.
            const items = [0, 1, 2].map((k) => ({
              id: `w${w}-n${n}-b${k}`,
              payload: payloadFor(w, n * 10 + k),
            }));
            const res = await fetch(`${first.url}1.1/${USERNAME}/storage/${collection}`, {
              method: 'POST',
              headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
              body: JSON.stringify(items),
            });
            const body = (await res.json()) as { success?: string[] };
            if (res.status === 200) {
              for (const item of items) {
                if (body.success?.includes(item.id))
                  acked.push({ collection, id: item.id, payload: item.payload });
              }
            }
          } else {
            const id = `w${w}-n${n}`;
            const payload = payloadFor(w, n);
            const res = await fetch(`${first.url}1.1/${USERNAME}/storage/${collection}/${id}`, {
              method: 'PUT',
              headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
              body: JSON.stringify({ payload }),
            });
            await res.arrayBuffer();
            if (res.status === 200) acked.push({ collection, id, payload });
          }
        } catch {
          // The connection died with the server: this write was never acknowledged.
          return;
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    const killer = (async () => {
      while (acked.length < KILL_AFTER_ACKS && Date.now() - started < KILL_AFTER_MS) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // The writers are still mid-stream: requests are in flight when the process dies.
      first.child.kill('SIGKILL');
      await first.exit;
      stop = true;
    })();
    await Promise.all([killer, ...writers]);
    assert.equal(first.child.signalCode, 'SIGKILL');
    assert.ok(acked.length > 0, 'some writes were acknowledged before the kill');
    const ackedCount = acked.length;
    t.diagnostic(`${ackedCount} writes acknowledged before SIGKILL`);

    const second = await startServe(['--data-dir', dataDir]);
    try {
      for (const collection of COLLECTIONS) {
        const res = await fetch(`${second.url}1.1/${USERNAME}/storage/${collection}?full=1`, {
          headers: { Authorization: AUTH, Accept: 'application/json' },
        });
        assert.equal(res.status, 200);
        const stored = new Map<string, string>(
          ((await res.json()) as Array<{ id: string; payload: string }>).map((w) => [w.id, w.payload]),
        );
        for (const write of acked.filter((a) => a.collection === collection)) {
          assert.equal(
            stored.get(write.id),
            write.payload,
            `acknowledged ${collection}/${write.id} survived`,
          );
        }
      }
    } finally {
      assert.equal(await second.stop(), 0);
    }

    const db = new BetterSqlite3(path.join(dataDir, 'foxden.db'), { readonly: true, fileMustExist: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
    assert.equal(acked.length, ackedCount, 'nothing was acknowledged after the kill');
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
