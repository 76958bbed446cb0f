/**
 * `npm run bench:databases`: the same Sync 1.5 loads on SQLite, PostgreSQL and MariaDB side by
 * side, and two nodes against one on PostgreSQL, in one run (issue 10, "Bench").
 *
 * Measures what users run: every server is a real `foxden serve` child process (bin/foxden.js
 * over the freshly compiled dist/), its request log on and drained from a pipe. The database
 * comes from FOXDEN_DATABASE_URL in the server's environment (none for SQLite), on a fresh
 * database per backend (test/helpers/databases.ts, the servers scripts/test-databases.sh
 * starts on loopback).
 *
 * Loads: authenticated GET info/collections (Hawk, fresh nonce per request), a 100 x 1 KB
 * POST (records per second), and an incremental GET `storage/history?newer=<ts>&full=1` on a
 * collection of a few thousand records of which 10 are newer. Backends are measured in
 * interleaved rounds (SQLite, PostgreSQL, MariaDB, again...) and the median round counts, so
 * a burst of other work on the machine does not land on one side of a ratio only.
 *
 * Flags: --quick (short rounds, for checking the harness).
 *
 * All traffic goes to 127.0.0.1, every load loop is bounded in count and time, a watchdog
 * ends the run, every child is killed and every fresh database dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../server/db/open-database.js';
import { nowMillis } from '../server/storage/timestamps.js';
import {
  databaseProblem,
  freshDatabase,
  type FreshDatabase,
  type TestDatabaseKind,
} from '../test/helpers/databases.js';
import { insertSync15TestUser, mintToken } from '../test/helpers/sync15-client.js';
import { compileDist, freeLoopbackPort, FoxdenProcess, killAllFoxdenProcesses } from './foxden-process.js';
import { hammer, request, runTasks } from './load.js';
import { randomPayload, recordId } from './records.js';
import { formatPercent, formatRate, renderTable, type Row, type Target } from './report.js';
import { hawkHeaderFor } from './sync15.js';

const QUICK = process.argv.includes('--quick');

const SETTINGS = {
  /** GET loads: keep-alive connections in all, split evenly over the nodes under test. */
  connections: 10,
  warmupSeconds: QUICK ? 0.5 : 1.5,
  rounds: QUICK ? 1 : 5,
  roundSeconds: QUICK ? 1.5 : 3,
  /** Per round, over all nodes: the count bound beside the time bound. */
  maxRequests: 500_000,
  /** POST load: concurrent uploaders, each POST 100 x 1 KB to one of `postUsers` users. */
  postConcurrency: 4,
  postUsers: 4,
  postRecords: 100,
  payloadBytes: 1024,
  postMaxTasks: QUICK ? 300 : 1_500,
  postWarmupTasks: QUICK ? 4 : 12,
  /** The incremental GET's collection: this many records, then `newerRecords` more. */
  incrementalRecords: QUICK ? 1_000 : 3_000,
  newerRecords: 10,
  startTimeoutMs: 30_000,
  compileTimeoutMs: 240_000,
  /** The whole run must end by itself even if something hangs. */
  watchdogMs: (QUICK ? 4 : 10) * 60 * 1000,
};

const KINDS: readonly TestDatabaseKind[] = ['sqlite', 'postgres', 'mysql'];
const LABEL: Record<TestDatabaseKind, string> = {
  sqlite: 'SQLite',
  postgres: 'PostgreSQL',
  mysql: 'MariaDB',
};
const FEW_COLLECTIONS = ['crypto', 'meta', 'clients', 'bookmarks', 'tabs', 'prefs', 'forms', 'passwords'];
const NO_DATABASE_URL = 'not measured: foxden serve has no FOXDEN_DATABASE_URL yet';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const masterSecret = randomBytes(32).toString('hex');

function log(message: string): void {
  process.stderr.write(`[bench:databases] ${message}\n`);
}

// ---------------------------------------------------------------------------------------
// Loads

type Sign = (method: string, resource: string) => Record<string, string>;

interface BenchUser {
  uid: number;
  sign: Sign;
}

interface Load {
  key: 'info' | 'post' | 'newer';
  name: string;
  unit: 'req/s' | 'rec/s';
}

/**
 * GETs before the POST load in each section: the POSTs add hundreds of thousands of rows, and
 * the database's reaction to that (PostgreSQL's autovacuum, checkpoints) should land on the
 * next section's rounds of all columns alike, not on one backend's GET rounds only.
 */
const LOADS: readonly Load[] = [
  { key: 'info', name: 'GET info/collections (Hawk)', unit: 'req/s' },
  {
    key: 'newer',
    name: `GET storage?newer=&full=1 (${SETTINGS.newerRecords} of ${(SETTINGS.incrementalRecords + SETTINGS.newerRecords).toLocaleString('en-US')})`,
    unit: 'req/s',
  },
  { key: 'post', name: 'POST 100 x 1 KB records', unit: 'rec/s' },
];

/** One measured round: the rate, per-request (or per-POST) latency and the servers' CPU time. */
interface Round {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Foxden processes' CPU per request (GET) or per 100-record POST; null off Linux. */
  cpuMicrosPerOp: number | null;
}

/** The Foxden processes under test on one database, and the users the loads run as. */
interface UnderTest {
  nodes: FoxdenProcess[];
  infoUser: BenchUser;
  posters: BenchUser[];
  newerPath: string;
  newerUser: BenchUser;
}

function cpuOf(nodes: readonly FoxdenProcess[]): number | null {
  let sum = 0;
  for (const node of nodes) {
    const cpu = node.cpuMicros();
    if (cpu === null) return null;
    sum += cpu;
  }
  return sum;
}

/** A bounded GET load, split evenly over the nodes (each signed for the shared public URL). */
async function getRound(
  nodes: readonly FoxdenProcess[],
  resource: string,
  sign: Sign,
  seconds: number,
): Promise<Round> {
  const cpuBefore = cpuOf(nodes);
  const results = await Promise.all(
    nodes.map((node) =>
      hammer({
        origin: node.origin,
        path: resource,
        connections: Math.max(1, Math.round(SETTINGS.connections / nodes.length)),
        seconds,
        maxRequests: Math.ceil(SETTINGS.maxRequests / nodes.length),
        headers: sign,
      }),
    ),
  );
  const cpuAfter = cpuOf(nodes);
  const ok = results.reduce((n, r) => n + r.ok, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  if (ok === 0 || failed > 0) throw new Error(`GET ${resource}: ${ok} ok, ${failed} failed`);
  return {
    perSecond: results.reduce((n, r) => n + r.perSecond, 0),
    p50Ms: Math.max(...results.map((r) => r.p50Ms)),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    cpuMicrosPerOp: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / (ok + failed),
  };
}

/**
 * Payloads come from a pool: the server stores them as opaque text, and making fresh random
 * ones during a round would load the generator, not the server.
 */
const payloadPool = Array.from({ length: 200 }, () => randomPayload(SETTINGS.payloadBytes));
let nextRecord = 0;

/** Reserves `count` POST bodies' record ids; body(i) builds the i-th (cheap: no random bytes). */
function reserveBodies(count: number): (index: number) => string {
  const first = nextRecord;
  nextRecord += count * SETTINGS.postRecords;
  return (index) => {
    const base = first + index * SETTINGS.postRecords;
    return JSON.stringify(
      Array.from({ length: SETTINGS.postRecords }, (_, i) => ({
        id: recordId(base + i),
        payload: payloadPool[(base + i) % payloadPool.length],
      })),
    );
  };
}

async function postRecords(
  origin: string,
  agent: http.Agent,
  user: BenchUser,
  collection: string,
  body: string,
  expected: number,
): Promise<http.IncomingHttpHeaders> {
  const resource = `/1.5/${user.uid}/storage/${collection}`;
  const res = await request(origin, agent, {
    method: 'POST',
    path: resource,
    headers: { ...user.sign('POST', resource), 'content-type': 'application/json' },
    body,
  });
  if (res.status !== 200)
    throw new Error(`POST ${resource} answered ${res.status}: ${res.body.slice(0, 200)}`);
  const parsed = JSON.parse(res.body) as { success?: unknown[]; failed?: Record<string, unknown> };
  if ((parsed.success?.length ?? 0) !== expected || Object.keys(parsed.failed ?? {}).length > 0)
    throw new Error(
      `POST ${resource} stored ${parsed.success?.length ?? 0} of ${expected}: ${res.body.slice(0, 200)}`,
    );
  return res.headers;
}

/** POSTs of 100 x 1 KB from `postConcurrency` uploaders, alternating nodes and users; records per second. */
async function postRound(
  nodes: readonly FoxdenProcess[],
  posters: readonly BenchUser[],
  maxTasks: number,
  maxMs: number,
): Promise<Round> {
  const body = reserveBodies(maxTasks);
  const cpuBefore = cpuOf(nodes);
  const f = await runTasks({
    concurrency: SETTINGS.postConcurrency,
    maxTasks,
    maxMs,
    task: async (i, agent) => {
      const node = nodes[i % nodes.length] as FoxdenProcess;
      const user = posters[i % posters.length] as BenchUser;
      await postRecords(node.origin, agent, user, 'history', body(i), SETTINGS.postRecords);
      return SETTINGS.postRecords;
    },
  });
  const cpuAfter = cpuOf(nodes);
  if (f.tasks === 0) throw new Error('no POST finished');
  return {
    perSecond: f.recordsPerSecond,
    p50Ms: f.p50Ms,
    p99Ms: f.p99Ms,
    cpuMicrosPerOp: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / f.tasks,
  };
}

function measureRound(
  load: Load,
  t: UnderTest,
  nodes: readonly FoxdenProcess[],
  warmup: boolean,
): Promise<Round> {
  const seconds = warmup ? SETTINGS.warmupSeconds : SETTINGS.roundSeconds;
  switch (load.key) {
    case 'info':
      return getRound(nodes, `/1.5/${t.infoUser.uid}/info/collections`, t.infoUser.sign, seconds);
    case 'newer':
      return getRound(nodes, t.newerPath, t.newerUser.sign, seconds);
    case 'post':
      return postRound(
        nodes,
        t.posters,
        warmup ? SETTINGS.postWarmupTasks : SETTINGS.postMaxTasks,
        seconds * 1000,
      );
  }
}

// ---------------------------------------------------------------------------------------
// Setting up one backend

interface Backend {
  kind: TestDatabaseKind;
  label: string;
  db: FreshDatabase;
  publicUrl: string;
  env: Record<string, string>;
  target: UnderTest;
}

interface Created {
  uid: number;
  fxaUid: string;
}

/**
 * Tokenserver rows straight into the database, before any server starts: the same way for
 * all three backends (an SQLite file is the server's alone once it runs: instance lock).
 */
async function createUsers(db: FreshDatabase, count: number): Promise<Created[]> {
  const database = await openDatabase(db.location, { poolSize: 1 });
  try {
    const out: Created[] = [];
    for (let i = 0; i < count; i++) {
      out.push(await insertSync15TestUser(database, { now: nowMillis() }));
    }
    return out;
  } finally {
    await database.close();
  }
}

/** A token minted with the shared master secret, as the tokenserver mints one; Hawk signed for the public URL. */
function benchUser(created: Created, publicUrl: string): BenchUser {
  const token = mintToken(masterSecret, {
    uid: created.uid,
    node: publicUrl.replace(/\/$/, ''),
    fxaUid: created.fxaUid,
  });
  return { uid: created.uid, sign: hawkHeaderFor(publicUrl, token) };
}

/** Every server this run started, stopped at the end whatever happened after its start. */
const allNodes: FoxdenProcess[] = [];

async function startNode(
  publicUrl: string,
  port: number,
  dataDir: string,
  env: Record<string, string>,
): Promise<FoxdenProcess> {
  const node = await FoxdenProcess.start({
    root,
    port,
    dataDir,
    publicUrl,
    env,
    startTimeoutMs: SETTINGS.startTimeoutMs,
  });
  allNodes.push(node);
  return node;
}

async function setUpBackend(kind: TestDatabaseKind, cleanups: (() => Promise<void>)[]): Promise<Backend> {
  const db = await freshDatabase(kind);
  cleanups.push(() => db.cleanup());
  const created = await createUsers(db, 2 + SETTINGS.postUsers);
  const port = await freeLoopbackPort();
  const publicUrl = `http://127.0.0.1:${port}/`;
  const env: Record<string, string> = { FOXDEN_MASTER_SECRET: masterSecret };
  let dataDir: string;
  if (db.location.kind === 'sqlite') {
    // The server's default database file is <data dir>/foxden.db: the one made above.
    dataDir = path.dirname(db.location.file);
  } else {
    env.FOXDEN_DATABASE_URL = db.location.url;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `foxden-bench-${kind}-`));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  }
  const node = await startNode(publicUrl, port, dataDir, env);
  const [info, newer, ...posters] = created.map((c) => benchUser(c, publicUrl)) as [
    BenchUser,
    BenchUser,
    ...BenchUser[],
  ];
  const newerPath = await fillCollections(node.origin, info, newer);
  if (db.location.kind !== 'sqlite') await assertDataInDatabase(db, newer.uid);
  return {
    kind,
    label: LABEL[kind],
    db,
    publicUrl,
    env,
    target: { nodes: [node], infoUser: info, posters, newerPath, newerUser: newer },
  };
}

/**
 * A few small collections for info/collections; a history of `incrementalRecords` x 1 KB,
 * then `newerRecords` more after the timestamp the incremental GET asks for.
 */
async function fillCollections(origin: string, info: BenchUser, newer: BenchUser): Promise<string> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const collection of FEW_COLLECTIONS) {
      const body = JSON.stringify(
        Array.from({ length: 3 }, (_, i) => ({ id: recordId(nextRecord++), payload: payloadPool[i] })),
      );
      await postRecords(origin, agent, info, collection, body, 3);
    }
    let lastModified = '';
    const posts = Math.ceil(SETTINGS.incrementalRecords / SETTINGS.postRecords);
    const body = reserveBodies(posts);
    for (let i = 0; i < posts; i++) {
      const headers = await postRecords(origin, agent, newer, 'history', body(i), SETTINGS.postRecords);
      lastModified = String(headers['x-last-modified'] ?? '');
    }
    if (!/^\d+(\.\d+)?$/.test(lastModified))
      throw new Error(`POST answered X-Last-Modified "${lastModified}"`);
    const tail = JSON.stringify(
      Array.from({ length: SETTINGS.newerRecords }, (_, i) => ({
        id: recordId(nextRecord++),
        payload: payloadPool[i],
      })),
    );
    // The next 10 ms tick, so the last records are strictly newer whatever the server's clock grain.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await postRecords(origin, agent, newer, 'history', tail, SETTINGS.newerRecords);
    const resource = `/1.5/${newer.uid}/storage/history?newer=${lastModified}&full=1`;
    const res = await request(origin, agent, {
      method: 'GET',
      path: resource,
      headers: newer.sign('GET', resource),
    });
    const got = res.status === 200 ? (JSON.parse(res.body) as unknown[]).length : -1;
    if (got !== SETTINGS.newerRecords)
      throw new Error(
        `GET ${resource} answered ${res.status} with ${got} records, not ${SETTINGS.newerRecords}`,
      );
    return resource;
  } finally {
    agent.destroy();
  }
}

/**
 * The figures must be the named database's: read what the server just wrote, from the
 * database itself (a server that ignored FOXDEN_DATABASE_URL would have used its own SQLite file).
 */
async function assertDataInDatabase(db: FreshDatabase, uid: number): Promise<void> {
  const database = await openDatabase(db.location, { poolSize: 1 });
  try {
    const stamps = await database.transaction('read', (tx) => tx.collectionStamps(uid));
    if (stamps.length === 0)
      throw new Error(`the server's writes are not in ${db.location.kind} (is FOXDEN_DATABASE_URL read?)`);
  } finally {
    await database.close();
  }
}

// ---------------------------------------------------------------------------------------
// Running and reporting

const details: Row[] = [];
/** Median round per load and column ("SQLite", "PostgreSQL", "PG one node", ...). */
const results = new Map<string, Round & { rounds: number[] }>();
/** Why a column has no figure for a load. */
const missing = new Map<string, string>();

const resultKey = (load: Load, column: string) => `${load.key}|${column}`;

/** Set by the watchdog or a signal: no further step starts while the run cleans up. */
let aborting = false;

/** Runs a step; a failure becomes a detail row saying why (and null), and the run goes on. */
async function stage<T>(section: string, name: string, fn: () => Promise<T>): Promise<T | null> {
  if (aborting) return null;
  const t0 = performance.now();
  log(`${section}: ${name} ...`);
  try {
    return await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    details.push({ section, name, value: 'n/a', detail: `not measured: ${message.split('\n')[0]}` });
    log(`${section}: ${name} failed: ${message}`);
    return null;
  } finally {
    log(`${section}: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

interface Column {
  name: string;
  target: UnderTest;
  /** The nodes the load goes to (a subset of target.nodes for "one node"). */
  nodes: FoxdenProcess[];
}

/** Warm-up, then interleaved rounds over the columns; the median round of each is kept. */
async function compare(section: string, load: Load, columns: readonly Column[]): Promise<void> {
  const live: Column[] = [];
  for (const c of columns) {
    const ok = await stage(section, `${c.name}: ${load.name}: warm-up`, () =>
      measureRound(load, c.target, c.nodes, true),
    );
    if (ok) live.push(c);
    else missing.set(resultKey(load, c.name), 'failed (see details)');
  }
  const rounds = new Map<Column, Round[]>();
  for (let r = 1; r <= SETTINGS.rounds; r++) {
    for (const c of live) {
      const round = await stage(section, `${c.name}: ${load.name}: round ${r}`, () =>
        measureRound(load, c.target, c.nodes, false),
      );
      if (round) rounds.set(c, [...(rounds.get(c) ?? []), round]);
    }
  }
  for (const c of live) {
    const runs = rounds.get(c) ?? [];
    if (runs.length === 0) {
      missing.set(resultKey(load, c.name), 'failed (see details)');
      continue;
    }
    const rates = runs.map((x) => x.perSecond);
    const mid = runs.find((x) => x.perSecond === median(rates)) as Round;
    const cpus = runs.map((x) => x.cpuMicrosPerOp).filter((x): x is number => x !== null);
    results.set(resultKey(load, c.name), { ...mid, rounds: rates });
    const per = load.key === 'post' ? 'POST' : 'req';
    details.push({
      section,
      name: `${c.name}: ${load.name}`,
      value: formatRate(mid.perSecond, load.unit),
      detail:
        `median of ${runs.length} (${rates.map((x) => Math.round(x).toLocaleString('en-US')).join(' / ')}), ` +
        `per ${per} p50 ${mid.p50Ms.toFixed(0)} ms, p99 ${mid.p99Ms.toFixed(0)} ms` +
        (cpus.length > 0 ? `, Foxden CPU ${median(cpus).toFixed(0)} us/${per}` : ''),
    });
  }
}

function figure(load: Load, column: string): string {
  const r = results.get(resultKey(load, column));
  return r ? formatRate(r.perSecond, load.unit) : 'n/a';
}

function ratio(load: Load, a: string, b: string): number | null {
  const x = results.get(resultKey(load, a));
  const y = results.get(resultKey(load, b));
  return x && y ? x.perSecond / y.perSecond : null;
}

function renderGrid(title: string, head: string[], lines: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ');
  return ['', title, fmt(head), '-'.repeat(widths.reduce((n, w) => n + w + 2, -2)), ...lines.map(fmt)].join(
    '\n',
  );
}

const ONE = 'PostgreSQL, one node';
const TWO = 'PostgreSQL, two nodes';

function report(): string {
  const pct = (r: number | null) => (r === null ? 'n/a' : formatPercent(r));
  const sideBySide = renderGrid(
    `Same loads per backend (median of ${SETTINGS.rounds} interleaved rounds of ${SETTINGS.roundSeconds} s; each a real foxden serve, request log on)`,
    ['Load', 'SQLite', 'PostgreSQL', 'MariaDB', 'PG/SQLite', 'MariaDB/SQLite'],
    LOADS.map((load) => [
      load.name,
      ...KINDS.map((k) =>
        results.has(resultKey(load, LABEL[k]))
          ? figure(load, LABEL[k])
          : (missing.get(resultKey(load, LABEL[k])) ?? 'n/a'),
      ),
      pct(ratio(load, 'PostgreSQL', 'SQLite')),
      pct(ratio(load, 'MariaDB', 'SQLite')),
    ]),
  );
  const nodes = renderGrid(
    'PostgreSQL: two foxden serve nodes on one database vs one (same public URL; load split half/half)',
    ['Load', 'one node', 'two nodes', 'two/one'],
    LOADS.map((load) => [
      load.name,
      results.has(resultKey(load, ONE)) ? figure(load, ONE) : (missing.get(resultKey(load, ONE)) ?? 'n/a'),
      results.has(resultKey(load, TWO)) ? figure(load, TWO) : (missing.get(resultKey(load, TWO)) ?? 'n/a'),
      ratio(load, TWO, ONE) === null ? 'n/a' : `${(ratio(load, TWO, ONE) as number).toFixed(2)}x`,
    ]),
  );
  const info = LOADS.find((l) => l.key === 'info') as Load;
  const post = LOADS.find((l) => l.key === 'post') as Load;
  const check = (load: Load, column: string, min: number): Target => {
    const name = `${load.key === 'post' ? 'batch POST' : 'GET info/collections'} on ${column} >= ${min}x SQLite`;
    const r = ratio(load, column, 'SQLite');
    if (r === null) {
      const why =
        missing.get(resultKey(load, column)) ?? missing.get(resultKey(load, 'SQLite')) ?? 'not measured';
      return { name, pass: null, detail: why };
    }
    return {
      name,
      pass: r >= min,
      detail: `${formatPercent(r)} (need >= ${formatPercent(min)}): ${figure(load, column)} vs ${figure(load, 'SQLite')}`,
    };
  };
  const targets = [
    check(post, 'PostgreSQL', 0.3),
    check(post, 'MariaDB', 0.3),
    check(info, 'PostgreSQL', 0.5),
    check(info, 'MariaDB', 0.5),
  ];
  return `${sideBySide}\n${nodes}\n${renderTable(details, targets)}`;
}

/** Whether the compiled `foxden serve` reads FOXDEN_DATABASE_URL at all (it is being added). */
function serveReadsDatabaseUrl(): boolean {
  const file = path.join(root, 'dist', 'server', 'config-load.js');
  return fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('FOXDEN_DATABASE_URL');
}

async function main(): Promise<void> {
  const started = performance.now();
  const cleanups: (() => Promise<void>)[] = [];
  let cleaned = false;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    await Promise.all(allNodes.map((n) => n.stop().catch(() => {})));
    killAllFoxdenProcesses();
    for (const fn of cleanups.reverse()) {
      await fn().catch((err: unknown) => log(`cleanup: ${err instanceof Error ? err.message : String(err)}`));
    }
  };
  const abort = (why: string, code: number) => {
    aborting = true;
    log(why);
    killAllFoxdenProcesses();
    // Drop the fresh databases if that can be done quickly; exit regardless.
    const bail = setTimeout(() => process.exit(code), 15_000);
    bail.unref();
    void cleanUp().finally(() => process.exit(code));
  };
  const watchdog = setTimeout(
    () => abort('watchdog: the run took too long; stopping', 2),
    SETTINGS.watchdogMs,
  );
  watchdog.unref();
  process.once('SIGINT', () => abort('interrupted', 130));
  process.once('SIGTERM', () => abort('terminated', 143));
  process.once('exit', killAllFoxdenProcesses);

  const cpus = os.cpus();
  log(
    `${cpus.length} CPUs (${cpus[0]?.model ?? 'unknown'}), load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, Node ${process.version}`,
  );
  try {
    compileDist(root, SETTINGS.compileTimeoutMs, log);
    const databaseUrl = serveReadsDatabaseUrl();
    const backends: Backend[] = [];
    for (const kind of KINDS) {
      const label = LABEL[kind];
      /** `cell` goes in the table, `why` (one line) in the details. */
      const skip = (cell: string, why: string) => {
        details.push({ section: 'Start', name: label, value: 'n/a', detail: why });
        const columns = kind === 'postgres' ? [label, ONE, TWO] : [label];
        for (const load of LOADS) for (const c of columns) missing.set(resultKey(load, c), cell);
      };
      if (kind !== 'sqlite' && !databaseUrl) {
        skip(NO_DATABASE_URL, NO_DATABASE_URL);
        continue;
      }
      const problem = await databaseProblem(kind);
      if (problem) {
        skip('skipped', `skipped: ${problem}`);
        continue;
      }
      const backend = await stage('Start', `${label}: fresh database, users, foxden serve, data`, () =>
        setUpBackend(kind, cleanups),
      );
      if (!backend) {
        skip('not measured', 'not measured: could not start (see above)');
        continue;
      }
      backends.push(backend);
    }

    for (const load of LOADS) {
      await compare(
        'Backends',
        load,
        backends.map((b) => ({ name: b.label, target: b.target, nodes: b.target.nodes })),
      );
    }

    const pg = backends.find((b) => b.kind === 'postgres');
    if (pg) {
      const second = await stage(
        'Start',
        'PostgreSQL: a second foxden serve on the same database',
        async () => {
          const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-bench-postgres-b-'));
          cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
          return startNode(pg.publicUrl, await freeLoopbackPort(), dataDir, pg.env);
        },
      );
      if (second) {
        const [first] = pg.target.nodes as [FoxdenProcess];
        const both: UnderTest = { ...pg.target, nodes: [first, second] };
        for (const load of LOADS) {
          await compare('PG nodes', load, [
            { name: ONE, target: pg.target, nodes: [first] },
            { name: TWO, target: both, nodes: [first, second] },
          ]);
        }
      } else {
        for (const load of LOADS)
          for (const c of [ONE, TWO]) missing.set(resultKey(load, c), 'second node did not start');
      }
    }
    for (const b of backends) {
      details.push({
        section: 'Request log',
        name: b.label,
        value: '',
        detail: b.target.nodes
          .map((n) => `${n.logLines.toLocaleString('en-US')} lines drained from stdout`)
          .join('; '),
      });
    }
    const pgNodes = allNodes.filter((n) => !backends.some((b) => b.target.nodes.includes(n)));
    if (pgNodes.length > 0)
      details.push({
        section: 'Request log',
        name: 'PostgreSQL, second node',
        value: '',
        detail: pgNodes
          .map((n) => `${n.logLines.toLocaleString('en-US')} lines drained from stdout`)
          .join('; '),
      });
  } finally {
    clearTimeout(watchdog);
    await cleanUp();
  }

  process.stdout.write(report());
  process.stdout.write(
    `Run took ${((performance.now() - started) / 1000).toFixed(0)} s on ${cpus.length} CPUs; load average now ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}.\n` +
      'The load generator, the Foxden nodes and the database servers share this machine: compare ratios, not absolutes.\n',
  );
}

main().catch((err: unknown) => {
  killAllFoxdenProcesses();
  process.stderr.write(
    `[bench:databases] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
