/**
 * `npm run bench`: throughput, latency and memory figures for Foxden as users run it (the
 * `foxden serve` CLI, its request log on and its stdout redirected to a file, as under
 * systemd), with the floors (bare Node http, minimal Express, raw better-sqlite3 inserts)
 * measured in the same run on the same machine, and the targets checked against them. An
 * in-process server without a request log gives a second Sync 1.1 GET line, for comparison.
 *
 * Flags: --quick (short runs, for checking the harness), --profile (CPU profile of the
 * server process, summarised at the end), --server-flags="<node flags>" (try a V8 tuning).
 *
 * Every process under test is a child (transpiled JavaScript, no tsx), all traffic goes to
 * 127.0.0.1, every load loop is bounded in count and time, and a watchdog ends the run.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildChildren } from './build-children.js';
import { openDatabase } from '../server/db/open-database.js';
import { insertSync15TestUser } from '../test/helpers/sync15-client.js';
import { ChildServer, killAllChildren } from './child.js';
import { compileDist, FoxdenProcess, freeLoopbackPort, killAllFoxdenProcesses } from './foxden-process.js';
import type { MemoryFigures } from './ipc.js';
import { hammer, runTasks, type LoadFigures } from './load.js';
import { summariseProfiles } from './profile-summary.js';
import { measureRawInsert } from './raw-insert.js';
import { makeRecords } from './records.js';
import { formatMb, formatPercent, formatRate, renderTable, type Row, type Target } from './report.js';
import {
  createSync11User,
  getSync11,
  postSync11Batch,
  sync11Credentials,
  type Sync11User,
} from './sync11.js';
import { measureBatchedUploads, setupSync15User } from './sync15.js';

const QUICK = process.argv.includes('--quick');
const PROFILE = process.argv.includes('--profile');
/** Extra Node/V8 flags for the server process, to try a tuning: --server-flags="--max-semi-space-size=2". */
const SERVER_FLAGS = (
  process.argv.find((a) => a.startsWith('--server-flags='))?.slice('--server-flags='.length) ?? ''
)
  .split(/\s+/)
  .filter((f) => f.startsWith('--'));
/**
 * Other built trees (e.g. `git archive <commit> | tar -x` + `npx tsc -p tsconfig.build.json`;
 * this one too, for a like-for-like pair): each tree's `foxden serve` gets a Sync 1.1 GET
 * line of its own on a few small collections, in the same interleaved rounds.
 */
const COMPARE_ROOTS = process.argv
  .filter((a) => a.startsWith('--compare-root='))
  .map((a) => path.resolve(a.slice('--compare-root='.length)));

const SETTINGS = {
  connections: 10,
  warmupSeconds: QUICK ? 1 : 2,
  /**
   * GET targets are measured in interleaved rounds (floor, Express, 1.1, 1.5, again...) and
   * the median round counts: other work on a shared machine comes in bursts, and a burst
   * should not land on one side of a ratio only.
   */
  getRounds: QUICK ? 1 : 3,
  roundSeconds: QUICK ? 2 : 3.5,
  maxRequests: 2_000_000,
  payloadBytes: 1024,
  batchSize: 100,
  rawInsertMaxMs: QUICK ? 3_000 : 10_000,
  postRounds: 3,
  postConcurrency: 4,
  /** The batch POST measurement stores the memory figure's records, bounded by postMaxMs. */
  storedRecords: QUICK ? 10_000 : 100_000,
  postMaxMs: QUICK ? 5_000 : 20_000,
  fillMaxMs: QUICK ? 10_000 : 40_000,
  uploadMax: QUICK ? 5 : 40,
  uploadMaxMs: QUICK ? 5_000 : 15_000,
  compileTimeoutMs: 180_000,
  startTimeoutMs: 30_000,
  /** The whole run must end by itself even if something hangs. */
  watchdogMs: 8 * 60 * 1000,
};

const BENCH_EMAIL = 'bench@example.com';
const FEW_COLLECTIONS = ['crypto', 'meta', 'clients', 'bookmarks', 'tabs', 'prefs', 'forms', 'passwords'];
const WARMUP_BATCHES = 3;
const MB = 1048576;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rows: Row[] = [];
const figures: {
  bareNode?: GetFigures;
  express?: GetFigures;
  sync11Get?: GetFigures;
  sync15Get?: GetFigures;
  inProcessGet?: GetFigures;
  rawInsert?: number;
  sync11Post?: number;
  storedRss?: number;
  stored?: number;
} = {};
/** The server's RSS after each stage, so a memory figure can be traced to what caused it. */
const rssTrail: string[] = [];

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Runs a stage; a failing stage becomes a row saying why (and yields null), and the run goes on. */
async function stage<T>(section: string, name: string, fn: () => Promise<T>): Promise<T | null> {
  const t0 = performance.now();
  log(`${section}: ${name} ...`);
  try {
    return await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    rows.push({ section, name, value: 'n/a', detail: `not measured: ${message.split('\n')[0]}` });
    log(`${section}: ${name} failed: ${message}`);
    return null;
  } finally {
    log(`${section}: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

/**
 * A server under test: the shipped CLI (`foxden serve`, figures from /proc) or the in-process
 * bench child (figures over IPC).
 */
interface UnderTest {
  url: string;
  /** CPU time used so far (user + system), microseconds. */
  cpuMicros(): Promise<number>;
  memory(): Promise<{ rss: number; maxRss: number; detail: string }>;
  /** Where the RSS is, for `foxden serve` (from /proc); null for the in-process child. */
  rssBreakdown(): string | null;
}

function inProcess(child: ChildServer): UnderTest {
  return {
    url: child.url,
    cpuMicros: async () => (await child.memory()).cpuMicros,
    memory: async () => {
      const mem = await child.memory();
      return { rss: mem.rss, maxRss: mem.maxRss, detail: heapDetail(mem) };
    },
    rssBreakdown: () => null,
  };
}

function shippedCli(node: FoxdenProcess): UnderTest {
  const figures = () => {
    const mem = node.memory();
    if (!mem) throw new Error('no /proc figures for the foxden serve process (Linux only)');
    return mem;
  };
  return {
    url: node.origin,
    cpuMicros: async () => figures().cpuMicros,
    memory: async () => ({ ...figures(), detail: 'VmRSS/VmHWM of the foxden serve process' }),
    rssBreakdown: () => {
      const b = node.rssBreakdown();
      return b
        ? `${b.anonMb.toFixed(1)} MB anonymous (V8 heaps, malloc, thread stacks), ${b.fileMb.toFixed(1)} MB of files (the node binary, shared libraries), ${b.threads} threads`
        : null;
    },
  };
}

async function noteRss(server: UnderTest, label: string): Promise<void> {
  const mem = await server.memory().catch(() => null);
  rssTrail.push(`${label} ${mem ? (mem.rss / MB).toFixed(0) : '?'}`);
}

function heapDetail(mem: MemoryFigures): string {
  return `V8 heap ${formatMb(mem.heapUsed)} used of ${formatMb(mem.heapTotal)}, external ${formatMb(mem.external)}`;
}

// ---------------------------------------------------------------------------------------
// GET throughput

type Headers = (method: string, p: string) => Record<string, string>;
type GetFigures = LoadFigures & { cpuMicrosPerRequest: number; rounds: number[] };

interface GetTarget {
  section: string;
  name: string;
  child: UnderTest;
  path: string;
  headers?: Headers;
  store: (f: GetFigures) => void;
}

/** One bounded run of a GET; also the server's CPU time per request, which moves less than req/s under contention. */
async function measureGet(
  t: GetTarget,
  seconds: number,
): Promise<LoadFigures & { cpuMicrosPerRequest: number }> {
  const cpuBefore = await t.child.cpuMicros();
  const f = await hammer({
    origin: t.child.url,
    path: t.path,
    connections: SETTINGS.connections,
    seconds,
    maxRequests: SETTINGS.maxRequests,
    ...(t.headers ? { headers: t.headers } : {}),
  });
  const cpuAfter = await t.child.cpuMicros();
  if (f.ok === 0 || f.failed > 0) throw new Error(`GET ${t.path}: ${f.ok} ok, ${f.failed} failed`);
  return { ...f, cpuMicrosPerRequest: (cpuAfter - cpuBefore) / (f.ok + f.failed) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function measureGets(targets: GetTarget[]): Promise<void> {
  const live: GetTarget[] = [];
  for (const t of targets) {
    await stage(t.section, `${t.name}: warm-up`, async () => {
      await measureGet(t, SETTINGS.warmupSeconds);
      live.push(t);
    });
  }
  const results = new Map<GetTarget, (LoadFigures & { cpuMicrosPerRequest: number })[]>();
  for (let round = 1; round <= SETTINGS.getRounds; round++) {
    for (const t of live) {
      await stage(t.section, `${t.name}: round ${round}`, async () => {
        const f = await measureGet(t, SETTINGS.roundSeconds);
        results.set(t, [...(results.get(t) ?? []), f]);
      });
    }
  }
  for (const t of live) {
    const runs = results.get(t) ?? [];
    if (runs.length === 0) continue;
    const rates = runs.map((r) => r.perSecond);
    const mid = runs.find((r) => r.perSecond === median(rates)) as LoadFigures & {
      cpuMicrosPerRequest: number;
    };
    const f: GetFigures = {
      ...mid,
      cpuMicrosPerRequest: median(runs.map((r) => r.cpuMicrosPerRequest)),
      rounds: rates,
    };
    t.store(f);
    rows.push({
      section: t.section,
      name: t.name,
      value: formatRate(f.perSecond, 'req/s'),
      detail:
        `median of ${runs.length} x ${SETTINGS.roundSeconds} s (${rates.map((r) => Math.round(r).toLocaleString('en-US')).join(' / ')}), ` +
        `p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, server CPU ${f.cpuMicrosPerRequest.toFixed(0)} us/req`,
    });
  }
}

// ---------------------------------------------------------------------------------------
// Sync 1.1 storage and memory

async function seedFewCollections(origin: string, agent: http.Agent, user: Sync11User): Promise<void> {
  let index = 10_000_000;
  for (const collection of FEW_COLLECTIONS) {
    await postSync11Batch(origin, agent, user, collection, makeRecords(index, 3, 200));
    index += 3;
  }
}

async function countRecords(origin: string, agent: http.Agent, user: Sync11User): Promise<number> {
  const counts = JSON.parse(await getSync11(origin, agent, user, 'info/collection_counts')) as Record<
    string,
    number
  >;
  return counts.history ?? 0;
}

/**
 * Reads that put the stored data through the server the way a syncing Firefox does: the
 * info documents, an id listing capped like Firefox's history download limit (5,000), pages
 * of full records, and fetches of 50 records by id.
 */
async function readLikeFirefox(origin: string, agent: http.Agent, user: Sync11User): Promise<void> {
  for (const p of ['info/collections', 'info/collection_counts', 'info/collection_usage', 'info/quota']) {
    await getSync11(origin, agent, user, p);
  }
  const ids = JSON.parse(
    await getSync11(origin, agent, user, 'storage/history?sort=index&limit=5000'),
  ) as string[];
  for (let page = 0; page < 5; page++) {
    await getSync11(
      origin,
      agent,
      user,
      `storage/history?full=1&sort=index&limit=1000&offset=${page * 1000}`,
    );
  }
  for (let i = 0; i < 20 && i * 50 < ids.length; i++) {
    const chunk = ids.slice(i * 50, i * 50 + 50).join(',');
    await getSync11(origin, agent, user, `storage/history?full=1&ids=${encodeURIComponent(chunk)}`);
  }
}

/**
 * The batch POSTs store the memory figure's records (as a first sync of a big profile does);
 * then reads, then the memory figure, before any GET load test or Sync 1.5 traffic could be
 * counted as "memory with 100,000 records stored".
 */
async function sync11StoreAndMeasure(server: UnderTest, user: Sync11User, agent: http.Agent): Promise<void> {
  const origin = server.url;
  let nextIndex = 0;
  let viaHttp = 0;
  await stage('Sync 1.1', 'POST storage/history, 100 x 1 KB', async () => {
    for (let i = 0; i < WARMUP_BATCHES; i++) {
      nextIndex += await postSync11Batch(
        origin,
        agent,
        user,
        'history',
        makeRecords(nextIndex, SETTINGS.batchSize, SETTINGS.payloadBytes),
      );
    }
    viaHttp = nextIndex;
    // Bodies are built before the clock starts so the figure is the server's, not ours.
    const first = nextIndex;
    const batches = Math.ceil(SETTINGS.storedRecords / SETTINGS.batchSize) - WARMUP_BATCHES;
    const bodies = Array.from({ length: batches }, (_, i) =>
      JSON.stringify(makeRecords(first + i * SETTINGS.batchSize, SETTINGS.batchSize, SETTINGS.payloadBytes)),
    );
    nextIndex = first + bodies.length * SETTINGS.batchSize;
    // Rounds alternate with the raw-insert floor so that a burst of other work on the machine
    // (disk flushes above all: every WAL checkpoint syncs) does not land on one side only.
    const perRound = Math.ceil(batches / SETTINGS.postRounds);
    const deadline = performance.now() + SETTINGS.postMaxMs;
    const raw: number[] = [];
    const posted: { rate: number; records: number; seconds: number; p50: number; p99: number }[] = [];
    for (let round = 0; round < SETTINGS.postRounds; round++) {
      const slice = bodies.slice(round * perRound, (round + 1) * perRound);
      if (slice.length === 0 || performance.now() > deadline) break;
      raw.push(
        measureRawInsert({
          maxRecords: slice.length * SETTINGS.batchSize,
          maxMs: SETTINGS.rawInsertMaxMs,
          perTx: SETTINGS.batchSize,
          payloadBytes: SETTINGS.payloadBytes,
        }).recordsPerSecond,
      );
      const f = await runTasks({
        concurrency: SETTINGS.postConcurrency,
        maxTasks: slice.length,
        maxMs: Math.max(0, deadline - performance.now()),
        task: (i, a) => postSync11Batch(origin, a, user, 'history', slice[i] as string),
      });
      viaHttp += f.records;
      posted.push({
        rate: f.recordsPerSecond,
        records: f.records,
        seconds: f.seconds,
        p50: f.p50Ms,
        p99: f.p99Ms,
      });
    }
    const list = (xs: number[]) => xs.map((x) => Math.round(x).toLocaleString('en-US')).join(' / ');
    figures.rawInsert = median(raw);
    rows.push({
      section: 'Floor',
      name: 'raw better-sqlite3 inserts, 100/tx',
      value: formatRate(figures.rawInsert, 'rec/s'),
      detail: `median of ${raw.length} fresh files (${list(raw)}), same records, server schema, WAL, synchronous=NORMAL`,
    });
    const mid = posted.find((p) => p.rate === median(posted.map((x) => x.rate)));
    if (!mid) throw new Error('no batch was posted');
    figures.sync11Post = mid.rate;
    rows.push({
      section: 'Sync 1.1',
      name: 'POST storage/history, 100 x 1 KB',
      value: formatRate(mid.rate, 'rec/s'),
      detail: `median of ${posted.length} rounds (${list(posted.map((p) => p.rate))}) into one growing collection, ${SETTINGS.postConcurrency} connections, per batch p50 ${mid.p50.toFixed(0)} ms, p99 ${mid.p99.toFixed(0)} ms`,
    });
  });
  await noteRss(server, 'POST');

  await stage(
    'Memory',
    `${SETTINGS.storedRecords.toLocaleString('en-US')} records stored, then read`,
    async () => {
      // Top-ups, only when the POST stage hit its time bound: first over HTTP, then (if the
      // server is that slow) through the engine inside the server process.
      const missingBatches = Math.max(
        0,
        Math.ceil((SETTINGS.storedRecords - (await countRecords(origin, agent, user))) / SETTINGS.batchSize),
      );
      if (missingBatches > 0) {
        const first = nextIndex;
        const f = await runTasks({
          concurrency: SETTINGS.postConcurrency,
          maxTasks: missingBatches,
          maxMs: SETTINGS.fillMaxMs,
          task: (i, a) =>
            postSync11Batch(
              origin,
              a,
              user,
              'history',
              makeRecords(first + i * SETTINGS.batchSize, SETTINGS.batchSize, SETTINGS.payloadBytes),
            ),
        });
        viaHttp += f.records;
        nextIndex = first + missingBatches * SETTINGS.batchSize;
      }
      const stored = await countRecords(origin, agent, user);
      await readLikeFirefox(origin, agent, user);
      const mem = await server.memory();
      figures.storedRss = mem.rss;
      figures.stored = stored;
      rows.push({
        section: 'Memory',
        name: `RSS, ${stored.toLocaleString('en-US')} x 1 KB stored`,
        value: formatMb(mem.rss),
        detail: `after storing them (${viaHttp.toLocaleString('en-US')} via POST) and reads like Firefox's; ${mem.detail}`,
      });
      const breakdown = server.rssBreakdown();
      if (breakdown !== null) {
        rows.push({ section: 'Memory', name: 'RSS breakdown, records stored', value: '', detail: breakdown });
      }
    },
  );
  await noteRss(server, 'reads');
}

async function freshProcessMemory(start: () => Promise<FoxdenProcess>): Promise<void> {
  await stage('Memory', 'RSS, restarted over the stored data', async () => {
    const node = await start();
    const server = shippedCli(node);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await readLikeFirefox(server.url, agent, sync11Credentials(BENCH_EMAIL));
      const mem = await server.memory();
      rows.push({
        section: 'Memory',
        name: 'RSS, restarted over the stored data',
        value: formatMb(mem.rss),
        detail: `a new foxden serve after the same reads; ${mem.detail}`,
      });
    } finally {
      agent.destroy();
      await node.stop();
    }
  });
}

// ---------------------------------------------------------------------------------------

function targets(): Target[] {
  const ratio = (
    name: string,
    a: number | undefined,
    b: number | undefined,
    min: number,
    what: string,
    extra = '',
  ): Target => {
    if (a === undefined || b === undefined) return { name, pass: null, detail: `${what}: not measured` };
    const r = a / b;
    return {
      name,
      pass: r >= min,
      detail: `${formatPercent(r)} (need >= ${formatPercent(min)}) of ${what}${extra}`,
    };
  };
  // Server CPU per request, as a cross-check that is less sensitive to other load on the machine.
  const cpu = (a: GetFigures | undefined, b: GetFigures | undefined): string =>
    a && b
      ? `; by server CPU per request ${formatPercent(b.cpuMicrosPerRequest / a.cpuMicrosPerRequest)} (${b.cpuMicrosPerRequest.toFixed(0)} vs ${a.cpuMicrosPerRequest.toFixed(0)} us)`
      : '';
  const complete = figures.stored !== undefined && figures.stored >= SETTINGS.storedRecords;
  const storedTarget: Target =
    figures.storedRss === undefined
      ? { name: 'RSS with 100,000 x 1 KB stored', pass: null, detail: 'not measured' }
      : {
          name: 'RSS with 100,000 x 1 KB stored',
          pass: QUICK || !complete ? null : figures.storedRss < 100 * MB,
          detail:
            `${formatMb(figures.storedRss)} (need < 100 MB)` +
            (QUICK
              ? '; --quick stores fewer records, so no verdict'
              : complete
                ? ''
                : `; only ${(figures.stored ?? 0).toLocaleString('en-US')} stored in the time allowed, so no verdict`),
        };
  return [
    ratio(
      'Sync 1.1 GET (foxden serve) vs Express floor',
      figures.sync11Get?.perSecond,
      figures.express?.perSecond,
      0.85,
      'minimal Express',
      cpu(figures.sync11Get, figures.express),
    ),
    ratio(
      'Sync 1.1 batch POST (foxden serve) vs raw inserts',
      figures.sync11Post,
      figures.rawInsert,
      0.4,
      'raw better-sqlite3 inserts',
    ),
    storedTarget,
    ratio(
      'Sync 1.5 Hawk GET vs Sync 1.1 GET (foxden serve)',
      figures.sync15Get?.perSecond,
      figures.sync11Get?.perSecond,
      0.8,
      'Sync 1.1 GET',
      cpu(figures.sync15Get, figures.sync11Get),
    ),
  ];
}

function startChild(
  label: string,
  script: string,
  args: string[],
  options: Parameters<typeof ChildServer.start>[2] = {},
): Promise<ChildServer | null> {
  return stage('Start', label, () => ChildServer.start(script, args, options));
}

/** The Sync 1.5 bench user's tokenserver row, written into the data directory's database before the server opens it. */
async function createSync15Row(dataDir: string): Promise<{ uid: number; fxaUid: string }> {
  const database = await openDatabase({ kind: 'sqlite', file: path.join(dataDir, 'foxden.db') });
  try {
    return await insertSync15TestUser(database);
  } finally {
    await database.close();
  }
}

function stopEverything(): void {
  killAllChildren();
  killAllFoxdenProcesses();
}

async function main(): Promise<void> {
  const started = performance.now();
  const watchdog = setTimeout(() => {
    log('watchdog: the run took too long; stopping');
    stopEverything();
    process.exit(2);
  }, SETTINGS.watchdogMs);
  watchdog.unref();
  process.once('SIGINT', () => {
    stopEverything();
    process.exit(130);
  });

  const cpus = os.cpus();
  log(
    `${cpus.length} CPUs (${cpus[0]?.model ?? 'unknown'}), load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, Node ${process.version}`,
  );
  compileDist(root, SETTINGS.compileTimeoutMs, log);
  const build = buildChildren(root);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-bench-'));
  const dataDir = path.join(work, 'data');
  const inProcessDir = path.join(work, 'in-process');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  fs.mkdirSync(inProcessDir, { mode: 0o700 });
  const stdoutFile = path.join(work, 'foxden-serve.log');
  const profileDir = PROFILE ? fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-bench-profile-')) : null;
  const masterSecret = randomBytes(32).toString('hex');
  const serverScript = path.join(build.outDir, 'bench', 'server-child.js');
  const baselineScript = path.join(build.outDir, 'bench', 'baseline-child.js');
  // Node flags go before bin/foxden.js, as `node <flags> bin/foxden.js serve` (--cpu-prof
  // is not allowed in NODE_OPTIONS).
  const nodeArgs = [...SERVER_FLAGS, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const startCli = async (cliRoot = root, dir = dataDir, out = stdoutFile): Promise<FoxdenProcess> => {
    const port = await freeLoopbackPort();
    return FoxdenProcess.start({
      root: cliRoot,
      port,
      dataDir: dir,
      publicUrl: `http://127.0.0.1:${port}/`,
      env: { FOXDEN_MASTER_SECRET: masterSecret },
      nodeArgs,
      startTimeoutMs: SETTINGS.startTimeoutMs,
      stdoutFile: out,
      extraArgs: ['--allow-new-users'],
    });
  };
  const children: ChildServer[] = [];
  let cli: FoxdenProcess | null = null;
  const compared: { root: string; node: FoxdenProcess }[] = [];
  try {
    const row15 = await stage('Start', 'Sync 1.5 tokenserver row', () => createSync15Row(dataDir));
    const bare = await startChild('bare Node http', baselineScript, ['node']);
    const express = await startChild('minimal Express 5', baselineScript, ['express']);
    cli = await stage('Start', 'foxden serve (stdout to a file)', startCli);
    const inProc = await startChild('in-process server, no request log', serverScript, [], {
      env: { FOXDEN_BENCH_DATA_DIR: inProcessDir, FOXDEN_BENCH_MASTER_SECRET: masterSecret },
      execArgv: SERVER_FLAGS,
    });
    for (const c of [bare, express, inProc]) if (c) children.push(c);
    for (const [i, compareRoot] of COMPARE_ROOTS.entries()) {
      const dir = path.join(work, `compared-${i}`);
      fs.mkdirSync(dir, { mode: 0o700 });
      const node = await stage('Start', `foxden serve from ${compareRoot}`, () =>
        startCli(compareRoot, dir, path.join(work, `compared-${i}.log`)),
      );
      if (node) compared.push({ root: compareRoot, node });
    }
    const server = cli ? shippedCli(cli) : null;
    await stage('Memory', 'idle RSS', async () => {
      const idle = async (c: ChildServer | null) => (c ? formatMb((await c.memory()).rss) : 'n/a');
      rows.push({
        section: 'Memory',
        name: 'idle RSS before any request',
        value: server ? formatMb((await server.memory()).rss) : 'n/a',
        detail: `foxden serve; for comparison: bare Node http ${await idle(bare)}, minimal Express ${await idle(express)}, in-process server ${await idle(inProc)}`,
      });
    });

    const getTargets: GetTarget[] = [];
    const FIXED = '/1.1/someone/info/collections';
    if (bare)
      getTargets.push({
        section: 'Floor',
        name: 'bare Node http, fixed JSON',
        child: inProcess(bare),
        path: FIXED,
        store: (f) => (figures.bareNode = f),
      });
    if (express)
      getTargets.push({
        section: 'Floor',
        name: 'minimal Express 5, fixed JSON',
        child: inProcess(express),
        path: FIXED,
        store: (f) => (figures.express = f),
      });

    const agent = new http.Agent({ keepAlive: true, maxSockets: SETTINGS.postConcurrency });
    try {
      if (server) {
        await noteRss(server, 'start');
        const u11 = await stage('Sync 1.1', 'sign-up and a few collections', async () => {
          const user = await createSync11User(server.url, agent, BENCH_EMAIL);
          await seedFewCollections(server.url, agent, user);
          return user;
        });
        if (u11) {
          await sync11StoreAndMeasure(server, u11, agent);
          getTargets.push({
            section: 'Sync 1.1',
            name: 'GET info/collections (Basic)',
            child: server,
            path: `/1.1/${u11.username}/info/collections`,
            headers: () => ({ authorization: u11.authorization }),
            store: (f) => (figures.sync11Get = f),
          });
        }
      }
      const u15 =
        server && row15
          ? await stage('Sync 1.5', 'user with a few collections', () =>
              setupSync15User(server.url, masterSecret, async () => row15.uid, FEW_COLLECTIONS, row15.fxaUid),
            )
          : null;
      if (server && u15) {
        getTargets.push({
          section: 'Sync 1.5',
          name: 'GET info/collections (Hawk)',
          child: server,
          path: `/1.5/${u15.uid}/info/collections`,
          headers: u15.sign,
          store: (f) => (figures.sync15Get = f),
        });
      }
      if (inProc) {
        const target = inProcess(inProc);
        const user = await stage('In-process', 'sign-up and a few collections', async () => {
          const u = await createSync11User(target.url, agent, BENCH_EMAIL);
          await seedFewCollections(target.url, agent, u);
          return u;
        });
        if (user)
          getTargets.push({
            section: 'In-process',
            name: 'Sync 1.1 GET info/collections, no request log',
            child: target,
            path: `/1.1/${user.username}/info/collections`,
            headers: () => ({ authorization: user.authorization }),
            store: (f) => (figures.inProcessGet = f),
          });
      }
      for (const { root: compareRoot, node } of compared) {
        const target = shippedCli(node);
        const user = await stage('Compared', `${compareRoot}: sign-up and a few collections`, async () => {
          const u = await createSync11User(target.url, agent, BENCH_EMAIL);
          await seedFewCollections(target.url, agent, u);
          return u;
        });
        if (user)
          getTargets.push({
            section: 'Compared',
            name: `Sync 1.1 GET info/collections, ${compareRoot}`,
            child: target,
            path: `/1.1/${user.username}/info/collections`,
            headers: () => ({ authorization: user.authorization }),
            store: () => undefined,
          });
      }
      await measureGets(getTargets);
      if (server) await noteRss(server, 'GETs');
      for (const { node } of compared) await node.stop();

      if (server && u15) {
        await stage('Sync 1.5', 'batched upload, 1,000 in POSTs of 100', async () => {
          const f = await measureBatchedUploads({
            origin: server.url,
            user: u15,
            batchSize: SETTINGS.batchSize,
            payloadBytes: SETTINGS.payloadBytes,
            uploadRecords: 1000,
            maxUploads: SETTINGS.uploadMax,
            maxMs: SETTINGS.uploadMaxMs,
          });
          rows.push({
            section: 'Sync 1.5',
            name: 'batched upload, 1,000 in POSTs of 100',
            value: formatRate(f.recordsPerSecond, 'rec/s'),
            detail: `${f.records.toLocaleString('en-US')} records in ${f.seconds.toFixed(1)} s, 2 connections, per 1,000-record upload p50 ${f.p50Ms.toFixed(0)} ms, p99 ${f.p99Ms.toFixed(0)} ms`,
          });
        });
        await noteRss(server, '1.5 upload');
      }

      if (server && cli) {
        const node = cli;
        await stage('Memory', 'peak RSS', async () => {
          const mem = await server.memory();
          rows.push({
            section: 'Memory',
            name: 'peak RSS of foxden serve',
            value: formatMb(mem.maxRss),
            detail: `VmHWM over the whole run; now ${formatMb(mem.rss)}`,
          });
          rows.push({
            section: 'Memory',
            name: 'RSS after each stage (MB)',
            value: '',
            detail: rssTrail.join(' -> '),
          });
        });
        await node.stop();
        rows.push({
          section: 'Start',
          name: 'request log of foxden serve',
          value: `${node.logLines.toLocaleString('en-US')} lines`,
          detail: `stdout redirected to a file (${formatMb(fs.statSync(stdoutFile).size)}), counted after SIGTERM`,
        });
      }
    } finally {
      agent.destroy();
    }
    for (const c of children) await c.stop();
    if (cli) await freshProcessMemory(startCli);
  } finally {
    stopEverything();
    build.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  }

  const order = ['Start', 'Floor', 'Sync 1.1', 'Sync 1.5', 'In-process', 'Compared', 'Memory'];
  const ranked = rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => order.indexOf(a.r.section) - order.indexOf(b.r.section) || a.i - b.i);
  process.stdout.write(
    renderTable(
      ranked.map((x) => x.r),
      targets(),
    ),
  );
  process.stdout.write(
    `Run took ${((performance.now() - started) / 1000).toFixed(0)} s on ${cpus.length} CPUs; load average now ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}.\n` +
      'Foxden figures are the shipped CLI (foxden serve, request log to a file) unless the line says in-process.\n' +
      'The load generator shares the machine with the servers; on a busy machine compare ratios and CPU per request, not absolutes.\n',
  );
  if (profileDir) {
    process.stdout.write(summariseProfiles(profileDir, root));
    process.stdout.write(`CPU profiles kept in ${profileDir} (open in Chrome DevTools > Performance).\n`);
  }
  clearTimeout(watchdog);
}

main().catch((err: unknown) => {
  stopEverything();
  process.stderr.write(
    `[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
