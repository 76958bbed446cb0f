/**
 * bench:latency — how long one user's big download or whole-collection delete makes another
 * user wait (issue 11, item 19), and what the delete leaves on disk.
 *
 * Through a real `foxden serve` (bin/foxden.js over dist/, its request log appended to a file):
 * user A owns N history records (100,000; 1,000,000 with --full), user B is a background client
 * doing a bounded loop of small Sync 1.1 GETs and POSTs on one keep-alive connection. B's
 * p50/p99/max latency is measured alone (the baseline), while A downloads the whole collection
 * (pages of 1,000, sort=newest) and while A deletes it (DELETE /1.1/A/storage/history) until the
 * server has reclaimed the space. The database file and its WAL are measured right after the
 * delete answers and after reclaiming.
 *
 * A's records are written straight into the database file with the server stopped (one
 * better-sqlite3 transaction per 10,000 rows, the server's own schema and pragmas): 1M records
 * through HTTP would take minutes; the server then reads them as any stored records.
 *
 *   npm run bench:latency [-- --full] [-- --records N] [-- --skip-download]
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { usernameFromEmail } from '../server/accounts/usernames.js';
import { openSqlite } from '../server/db/sqlite/open.js';
import { compileDist, FoxdenProcess, freeLoopbackPort, killAllFoxdenProcesses } from './foxden-process.js';
import { randomPayload, recordId } from './records.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const full = argv.includes('--full');
/** Only the delete phase (a 1M download through OFFSET pages takes minutes before item 19's read path). */
const skipDownload = argv.includes('--skip-download');
const recordsArg = argv.indexOf('--records');
const RECORDS = recordsArg >= 0 ? Number(argv[recordsArg + 1]) : full ? 1_000_000 : 100_000;
const PAYLOAD_BYTES = 600;
const PAGE = 1_000;
const HISTORY = 4;
/** Every phase is bounded in time; B's loop also in count. */
const BASELINE_MS = 5_000;
const PHASE_MAX_MS = 10 * 60_000;
const RECLAIM_MAX_MS = 5 * 60_000;
const B_MAX_REQUESTS = 200_000;
const PASSWORD = 'bench-password-0123456789';

if (!Number.isInteger(RECORDS) || RECORDS < 1) throw new Error('--records needs a positive whole number');

interface User {
  name: string;
  auth: string;
}

function userFor(email: string): User {
  const name = usernameFromEmail(email);
  return { name, auth: `Basic ${Buffer.from(`${name}:${PASSWORD}`).toString('base64')}` };
}

function send(
  origin: string,
  agent: http.Agent,
  method: string,
  pathname: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  const url = new URL(pathname, origin);
  if (url.hostname !== '127.0.0.1') throw new Error('the bench talks to loopback only');
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers, timeout: 120_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${pathname} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function signUp(origin: string, agent: http.Agent, email: string): Promise<User> {
  const user = userFor(email);
  const res = await send(
    origin,
    agent,
    'PUT',
    `/user/1.0/${user.name}`,
    { 'content-type': 'application/json' },
    JSON.stringify({ password: PASSWORD, email }),
  );
  if (res.status !== 200) throw new Error(`sign-up answered ${res.status}: ${res.body.slice(0, 200)}`);
  return user;
}

/** A's records, straight into the file (the server is stopped). */
function fill(file: string, username: string, records: number): void {
  const db = openSqlite(file);
  try {
    const userId = db
      .prepare('SELECT user_id FROM sync11_users WHERE username = ?')
      .pluck()
      .get(username) as number;
    const insert = db.prepare(
      `INSERT INTO bsos (user_id, collection_id, id, payload, payload_bytes, modified_ms, sortindex)
       VALUES (?, ${HISTORY}, ?, ?, ?, ?, ?)`,
    );
    // Timestamps on the 10 ms grid, in the past, one per 1,000 records (as 1,000-record batches).
    const start = Math.floor((Date.now() - 3_600_000) / 10) * 10;
    let modified = start;
    const payload = randomPayload(PAYLOAD_BYTES);
    const chunk = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        if (i % 1_000 === 0) modified += 10;
        insert.run(userId, recordId(i), payload, PAYLOAD_BYTES, modified, i % 1_000);
      }
    });
    for (let i = 0; i < records; i += 10_000) chunk(i, Math.min(records, i + 10_000));
    db.prepare(
      `INSERT INTO user_collections (user_id, collection_id, modified_ms) VALUES (?, ${HISTORY}, ?)
       ON CONFLICT (user_id, collection_id) DO UPDATE SET modified_ms = excluded.modified_ms`,
    ).run(userId, modified);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

interface Latencies {
  count: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
}

function summarise(samples: number[], failed: number): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { count: sorted.length, failed, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}

/** B's loop: a GET of its bookmarks, then a one-record POST, until `stop` resolves (or the caps). */
async function background(
  origin: string,
  b: User,
  stop: Promise<unknown>,
  maxMs: number,
): Promise<Latencies> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  let failed = 0;
  let done = false;
  const finish = () => (done = true);
  stop.then(finish, finish);
  const deadline = performance.now() + maxMs;
  const headers = { authorization: b.auth, 'content-type': 'application/json' };
  try {
    for (let i = 0; !done && i < B_MAX_REQUESTS && performance.now() < deadline; i++) {
      const t0 = performance.now();
      // A dropped request (the server stalled past a timeout) counts as failed, and its time counts.
      const res = await (
        i % 2 === 0
          ? send(origin, agent, 'GET', `/1.1/${b.name}/storage/bookmarks?full=1`, headers)
          : send(
              origin,
              agent,
              'POST',
              `/1.1/${b.name}/storage/bookmarks`,
              headers,
              JSON.stringify([{ id: `b${i % 20}`, payload: randomPayload(200) }]),
            )
      ).catch(() => ({ status: 0, body: '' }));
      samples.push(performance.now() - t0);
      if (res.status !== 200) failed++;
    }
  } finally {
    agent.destroy();
  }
  return summarise(samples, failed);
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

async function downloadAll(origin: string, a: User): Promise<{ records: number; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const t0 = performance.now();
  let records = 0;
  try {
    for (let offset = 0; performance.now() - t0 < PHASE_MAX_MS; offset += PAGE) {
      const res = await send(
        origin,
        agent,
        'GET',
        `/1.1/${a.name}/storage/history?full=1&sort=newest&limit=${PAGE}&offset=${offset}`,
        { authorization: a.auth },
      );
      if (res.status !== 200) throw new Error(`download page answered ${res.status}`);
      const page = JSON.parse(res.body) as unknown[];
      records += page.length;
      if (page.length < PAGE) break;
    }
  } finally {
    agent.destroy();
  }
  return { records, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Waits until the server logs that its background reclaimer has finished (with the space given
 * back), or the cap. A server from before the reclaimer (no bso_floors table) deleted
 * everything in the request itself: nothing to wait for.
 */
async function untilReclaimed(
  file: string,
  log: string,
  since: number,
): Promise<{ seconds: number; line: string }> {
  const t0 = performance.now();
  while (performance.now() - t0 < RECLAIM_MAX_MS) {
    const tail = fs.readFileSync(log, 'utf8').slice(since);
    const line = /^.*deleted records reclaimed.*$/m.exec(tail)?.[0];
    if (line) return { seconds: (performance.now() - t0) / 1000, line: line.replace(/^\S+ INFO /, '') };
    if (!hasFloorTable(file)) return { seconds: 0, line: 'no background reclaimer (deleted in the request)' };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { seconds: (performance.now() - t0) / 1000, line: 'not finished within the cap' };
}

function hasFloorTable(file: string): boolean {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'bso_floors'").get() !== undefined;
  } finally {
    db.close();
  }
}

function row(label: string, l: Latencies, extra = ''): string {
  const f = (n: number) => n.toFixed(1).padStart(8);
  return `${label.padEnd(34)}${String(l.count).padStart(7)}${String(l.failed).padStart(6)}${f(l.p50)}${f(l.p99)}${f(l.max)}  ${extra}`;
}

async function main(): Promise<void> {
  const log = (m: string) => console.log(m);
  compileDist(root, 300_000, log);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-bench-latency-'));
  const file = path.join(dataDir, 'foxden.db');
  // One log per start: the start waits for its own "listening" line.
  let logFile = path.join(dataDir, 'foxden-1.log');
  const port = await freeLoopbackPort();
  const origin = `http://127.0.0.1:${port}`;
  const start = () =>
    FoxdenProcess.start({
      root,
      port,
      dataDir,
      publicUrl: `${origin}/`,
      env: {},
      startTimeoutMs: 120_000,
      stdoutFile: logFile,
      extraArgs: ['--allow-new-users'],
    });
  try {
    let server = await start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const a = await signUp(origin, agent, 'bench-a@example.org');
    const b = await signUp(origin, agent, 'bench-b@example.org');
    const bHeaders = { authorization: b.auth, 'content-type': 'application/json' };
    const seed = Array.from({ length: 20 }, (_, i) => ({ id: `b${i}`, payload: randomPayload(200) }));
    await send(origin, agent, 'POST', `/1.1/${b.name}/storage/bookmarks`, bHeaders, JSON.stringify(seed));
    agent.destroy();
    await server.stop();
    log(
      `filling ${RECORDS.toLocaleString('en')} records of ${PAYLOAD_BYTES} bytes into ${file} (server stopped) ...`,
    );
    const f0 = performance.now();
    fill(file, a.name, RECORDS);
    log(`  filled in ${((performance.now() - f0) / 1000).toFixed(1)} s; file ${mb(sizeOf(file))}`);
    logFile = path.join(dataDir, 'foxden-2.log');
    server = await start();

    const lines: string[] = [];
    const baseline = await background(origin, b, new Promise((r) => setTimeout(r, BASELINE_MS)), BASELINE_MS);
    lines.push(row('B alone (baseline)', baseline));

    if (!skipDownload) {
      const download = downloadAll(origin, a);
      const during = await background(origin, b, download, PHASE_MAX_MS);
      const got = await download;
      lines.push(
        row(
          'B while A downloads all',
          during,
          `A: ${got.records} records in ${got.seconds.toFixed(1)} s (${Math.round(got.records / got.seconds)}/s)`,
        ),
      );
    }

    const logOffset = sizeOf(logFile);
    const delAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const d0 = performance.now();
    const deletion = send(origin, delAgent, 'DELETE', `/1.1/${a.name}/storage/history`, {
      authorization: a.auth,
    }).then((res) => {
      const seconds = (performance.now() - d0) / 1000;
      if (res.status !== 200) throw new Error(`DELETE answered ${res.status}`);
      return { seconds, file: sizeOf(file), wal: sizeOf(`${file}-wal`) };
    });
    const reclaimed = deletion.then(async () => untilReclaimed(file, logFile, logOffset));
    const duringDelete = await background(origin, b, reclaimed, PHASE_MAX_MS + RECLAIM_MAX_MS);
    const del = await deletion;
    const reclaim = await reclaimed;
    delAgent.destroy();
    lines.push(
      row(
        'B while A deletes + reclaim',
        duringDelete,
        `DELETE answered in ${del.seconds.toFixed(2)} s; reclaimed ${reclaim.seconds.toFixed(1)} s later`,
      ),
    );
    lines.push(`${''.padEnd(34)}server: ${reclaim.line}`);
    const check = await send(origin, new http.Agent(), 'GET', `/1.1/${a.name}/storage/history?limit=1`, {
      authorization: a.auth,
    });
    console.log('');
    console.log(`Background client B during user A's work, ${RECORDS.toLocaleString('en')} records (ms)`);
    console.log(
      `${''.padEnd(34)}${'reqs'.padStart(7)}${'fail'.padStart(6)}${'p50'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(8)}`,
    );
    for (const line of lines) console.log(line);
    console.log('');
    console.log(`after the DELETE answered: file ${mb(del.file)}, WAL ${mb(del.wal)}`);
    console.log(`after reclaiming:          file ${mb(sizeOf(file))}, WAL ${mb(sizeOf(`${file}-wal`))}`);
    console.log(`A's history after the delete: ${check.body.slice(0, 40)}`);
    console.log(`target: B's p99 under 100 ms during A's download and delete`);
    await server.stop();
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    log(`server log: ${logFile}`);
  } finally {
    killAllFoxdenProcesses();
  }
}

process.on('SIGINT', () => {
  killAllFoxdenProcesses();
  process.exit(130);
});

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  killAllFoxdenProcesses();
  process.exitCode = 1;
});
