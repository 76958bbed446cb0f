import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { mountTmpfs, tmpfsSkipReason } from '../helpers/tmpfs.js';
import { runCli, spawnCli } from './cli-process.js';

// Issue 8, finding 9: a server whose disk fills up answers writes 503 (clients retry later),
// loses nothing, and the dashboard's warnings say the disk is full, with its free space.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-cli-diskfull-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const USER = 'alice';
const PASSWORD = 'a long enough password';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const MAX_WRITES = 60;

interface Warning {
  code: string;
  severity: string;
  message: string;
}

test(
  'a disk filling up under a running server: early warning, 503 on writes, "disk full" warning, nothing lost, recovery',
  { skip: tmpfsSkipReason(), timeout: 60_000 },
  async (t) => {
    const disk = mountTmpfs(tmp, '48m');
    if (disk === null) return t.skip('mount -t tmpfs failed');
    const dataDir = path.join(disk.dir, 'data');
    const cli = spawnCli([
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--admin-port',
      '0',
      '--data-dir',
      dataDir,
    ]);
    try {
      const add = await runCli(['user', 'add', USER, '--data-dir', dataDir], {
        stdin: `${PASSWORD}\n${PASSWORD}\n`,
      });
      assert.equal(add.code, 0, add.stderr.join('\n'));
      const listening = await cli.waitForLine(/Foxden listening on http:\/\/\S+:(\d+)\//);
      const base = `http://127.0.0.1:${/:(\d+)\/ —/.exec(listening)?.[1]}/`;
      const adminLine = await cli.waitForLine(/admin: http:\/\/127\.0\.0\.1:\d+\/#token=/);
      const [, adminBase, token] = /admin: (http:\/\/127\.0\.0\.1:\d+\/)#token=(\w+)/.exec(adminLine) ?? [];
      const warnings = async (): Promise<Warning[]> => {
        const res = await fetch(`${adminBase}api/warnings`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: '[]',
        });
        assert.equal(res.status, 200);
        return (await res.json()) as Warning[];
      };
      const put = (id: string, payload: string) =>
        fetch(`${base}1.1/${USER}/storage/bookmarks/${id}`, {
          method: 'PUT',
          headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
          body: JSON.stringify({ payload }),
        });

      // 48 MB free is far below the threshold: the owner hears about it before anything fails.
      const early = await warnings();
      const low = early.find((w) => w.code === 'disk-space-low');
      assert.ok(low, JSON.stringify(early));
      assert.match(low.message, /MB free of 48\.0 MB/);
      assert.ok(!early.some((w) => w.code === 'disk-full'));

      const first = await put('kept', 'written while there was room');
      assert.equal(first.status, 200);

      const filler = disk.fill();
      const acked = new Map<string, string>();
      let refused: Response | null = null;
      // Records larger than the WAL already holds, so SQLite must grow a file on the full disk.
      for (let n = 0; n < MAX_WRITES && refused === null; n++) {
        const payload = `${n}:` + 'x'.repeat(200_000 + n * 10_000);
        const res = await put(`big-${n}`, payload);
        if (res.status === 200) acked.set(`big-${n}`, payload);
        else refused = res;
        await res.arrayBuffer().catch(() => undefined);
      }
      assert.ok(refused, `no write was refused within ${MAX_WRITES} on a full disk`);
      assert.equal(refused.status, 503);
      assert.ok(refused.headers.get('retry-after'), '503 carries Retry-After so clients back off');

      const during = await warnings();
      const full = during.find((w) => w.code === 'disk-full');
      assert.ok(full, JSON.stringify(during));
      assert.equal(full.severity, 'error');
      assert.match(full.message, /is full \((\d+(\.\d+)? (KB|MB)|\d+ bytes) free\)/);

      // Nothing acknowledged was lost, while the disk is still full.
      const kept = await fetch(`${base}1.1/${USER}/storage/bookmarks/kept`, {
        headers: { Authorization: AUTH },
      });
      assert.equal(kept.status, 200);
      assert.equal(((await kept.json()) as { payload: string }).payload, 'written while there was room');

      // The owner makes room: the warning goes at once (clients may not retry for 30 minutes),
      // and the next write commits.
      fs.rmSync(filler);
      assert.ok(!(await warnings()).some((w) => w.code === 'disk-full'));
      const after = await put('after', 'written once there was room again');
      assert.equal(after.status, 200);
      assert.ok(!(await warnings()).some((w) => w.code === 'disk-full'));

      cli.child.kill('SIGTERM');
      assert.equal(await cli.exit, 0);
      const db = new BetterSqlite3(path.join(dataDir, 'foxden.db'), { readonly: true });
      try {
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
        const rows = db.prepare('SELECT id, payload FROM bsos').all() as { id: string; payload: string }[];
        const stored = new Map(rows.map((r) => [r.id, r.payload]));
        for (const [id, payload] of acked) assert.equal(stored.get(id), payload, `acknowledged ${id} kept`);
        assert.ok(stored.has('kept') && stored.has('after'));
      } finally {
        db.close();
      }
    } finally {
      if (cli.child.exitCode === null && cli.child.signalCode === null) {
        cli.child.kill('SIGKILL');
        await cli.exit;
      }
      disk.unmount();
    }
  },
);
