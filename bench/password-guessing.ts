/**
 * `node --import tsx bench/password-guessing.ts`: another user's Sync 1.1 GET latency while a
 * guest guesses passwords, through a real `foxden serve` (dist/, as installed) with its request
 * log on (standard output into a file), beside the same GETs with no attack in the same run.
 *
 * Phases, each with the other user (127.0.0.1) sending GET info/collections one after another:
 * - no attack (the baseline);
 * - one guest address (127.0.0.2): 300 wrong Sync 1.1 passwords and 300 wrong local-account
 *   logins, 8 in flight each (the attack);
 * - sixty guest addresses (127.0.0.100–159), 10 wrong Sync 1.1 passwords each: the most
 *   bcrypt checks the throttle lets through, to show the worker pool keeping the loop free.
 *
 * Flags: --bin PATH (another build's bin/foxden.js, e.g. an older commit's, for comparison),
 * --quick. Traffic goes to 127.0.0.0/8 only; every loop is bounded in count and time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stretchPassword, toHex } from '../server/fxa/crypto/index.js';
import { boundedLoad, percentile } from '../test/helpers/bounded-load.js';
import {
  closeAddressAgents,
  jsonPost,
  requestFrom,
  type AddressedResponse,
} from '../test/helpers/from-address.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binArg = process.argv.indexOf('--bin');
const BIN = binArg > 0 ? path.resolve(process.argv[binArg + 1]!) : path.join(root, 'bin', 'foxden.js');
const QUICK = process.argv.includes('--quick');
const BASELINE_MS = QUICK ? 3_000 : 8_000;
const ATTACK_BUDGET_MS = QUICK ? 15_000 : 60_000;
const WATCHDOG_MS = 5 * 60 * 1000;

const basic = (user: string, password: string) =>
  'Basic ' + Buffer.from(`${user}:${password}`, 'utf8').toString('base64');

/** `bounded` as the bench runs it: a guess that gets no answer at all is counted as status 0, not a crash of the bench. */
function bounded(
  count: number,
  inFlight: number,
  budgetMs: number,
  send: (i: number) => Promise<AddressedResponse>,
): Promise<AddressedResponse[]> {
  return boundedLoad(count, inFlight, budgetMs, (i) =>
    send(i).catch((): AddressedResponse => ({ status: 0, headers: {}, text: '', ms: NaN })),
  );
}

function tally(responses: AddressedResponse[]): string {
  const by = new Map<number, number>();
  for (const r of responses) by.set(r.status, (by.get(r.status) ?? 0) + 1);
  return [...by].map(([status, n]) => `${n}×${status}`).join(' ');
}

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error('password-guessing bench: watchdog fired');
    process.exit(2);
  }, WATCHDOG_MS);
  watchdog.unref();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-bench-guessing-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'serve.log');
  for (const [name, pw] of [
    ['owner', 'owner password 1'],
    ['carol', 'carol password 1'],
  ] as const) {
    const added = spawnSync(process.execPath, [BIN, 'user', 'add', name, '--data-dir', dataDir], {
      input: `${pw}\n`,
      encoding: 'utf8',
    });
    if (added.status !== 0) throw new Error(`user add ${name}: ${added.stderr}`);
  }
  const out = fs.openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--no-admin',
      '--data-dir',
      dataDir,
      '--allow-new-users',
      // A bench, not a household: no quota and (below) no sign-up cap (issue 8, finding 5).
      '--quota-kb',
      '0',
    ],
    // The cap through the environment, which older builds (--bin) ignore instead of refusing.
    { stdio: ['ignore', out, 'inherit'], env: { ...process.env, FOXDEN_MAX_NEW_USERS: '0' } },
  );
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const m = /listening on http:\/\/\S+:(\d+)\//.exec(fs.readFileSync(logFile, 'utf8'));
        if (m) {
          clearInterval(poll);
          resolve(Number(m[1]));
        } else if (Date.now() - started > 20_000 || child.exitCode !== null) {
          clearInterval(poll);
          reject(new Error('foxden serve did not start'));
        }
      }, 50);
    });
    const base = `http://127.0.0.1:${port}/`;
    const auth = `${base}auth/v1/`;
    const email = `owner-${randomBytes(3).toString('hex')}@example.org`;
    const created = await requestFrom(
      '127.0.0.1',
      `${auth}account/create`,
      jsonPost({ email, authPW: toHex(stretchPassword(email, 'owner local').authPW) }),
    );
    const localAccounts = created.status === 200;
    const get = (user: string, pw: string, from: string) =>
      requestFrom(from, `${base}1.1/${user}/info/collections`, {
        headers: { Authorization: basic(user, pw) },
      });
    await get('carol', 'carol password 1', '127.0.0.1');

    /** The other user's GETs, back to back, until `done` resolves (or the budget runs out). */
    const measure = async (done: Promise<unknown>, budgetMs: number): Promise<number[]> => {
      let over = false;
      void done.then(() => (over = true));
      const ms: number[] = [];
      const started = performance.now();
      while (!over && performance.now() - started < budgetMs) {
        const res = await get('carol', 'carol password 1', '127.0.0.1');
        if (res.status !== 200) throw new Error(`the other user got ${res.status}`);
        ms.push(res.ms);
      }
      return ms.sort((a, b) => a - b);
    };

    const rows: [string, number[], string][] = [];
    const progress = (what: string) => console.error(`password-guessing bench: ${what}`);
    progress('baseline');
    const baseline = await measure(new Promise((r) => setTimeout(r, BASELINE_MS)), BASELINE_MS + 1000);
    rows.push(['no attack (baseline)', baseline, '']);

    progress('one guest address');
    const t1 = performance.now();
    const oneAddress = Promise.all([
      bounded(300, 8, ATTACK_BUDGET_MS, (i) => get('owner', `guess ${i}`, '127.0.0.2')),
      localAccounts
        ? bounded(300, 8, ATTACK_BUDGET_MS, () =>
            requestFrom(
              '127.0.0.2',
              `${auth}account/login`,
              jsonPost({ email, authPW: randomBytes(32).toString('hex') }),
            ),
          )
        : Promise.resolve([]),
    ]);
    const during1 = await measure(oneAddress, ATTACK_BUDGET_MS + 5000);
    const [g11, gLocal] = await oneAddress;
    rows.push([
      'one guest address',
      during1,
      `${g11.length + gLocal.length} guesses in ${((performance.now() - t1) / 1000).toFixed(1)} s; Sync 1.1 ${tally(g11)}; local ${tally(gLocal)}`,
    ]);

    progress('sixty guest addresses');
    const t2 = performance.now();
    const sixty = bounded(600, 16, ATTACK_BUDGET_MS, (i) =>
      get('owner', `spread ${i}`, `127.0.0.${100 + (i % 60)}`),
    );
    const during2 = await measure(sixty, ATTACK_BUDGET_MS + 5000);
    const spread = await sixty;
    rows.push([
      'sixty guest addresses',
      during2,
      `${spread.length} guesses in ${((performance.now() - t2) / 1000).toFixed(1)} s; Sync 1.1 ${tally(spread)}`,
    ]);

    const owner = await get('owner', 'owner password 1', '127.0.0.3');
    await new Promise((r) => setTimeout(r, 300));
    const log = fs.readFileSync(logFile, 'utf8').split('\n');

    console.log(
      `\nfoxden: ${path.relative(root, BIN) || BIN}; request log: ${log.length} lines in ${logFile}`,
    );
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}\n`);
    const head = ['Phase', 'GETs', 'p50 ms', 'p99 ms', 'max ms', 'p99 / baseline p99', 'Attack'];
    console.log(head.join(' | '));
    const baseP99 = percentile(baseline, 99);
    for (const [name, ms, detail] of rows) {
      console.log(
        [
          name,
          ms.length,
          percentile(ms, 50).toFixed(1),
          percentile(ms, 99).toFixed(1),
          (ms.at(-1) ?? NaN).toFixed(1),
          `${(percentile(ms, 99) / baseP99).toFixed(1)}×`,
          detail,
        ].join(' | '),
      );
    }
    console.log(
      `\nowner's right password from 127.0.0.3 afterwards: ${owner.status} in ${owner.ms.toFixed(0)} ms`,
    );
    const warnings = log.filter((l) => / WARN address \S+ throttled/.test(l));
    console.log(
      `throttle warnings in the log: ${warnings.length}; request lines naming 127.0.0.2: ${log.filter((l) => l.includes(' 127.0.0.2 ')).length}`,
    );
  } finally {
    closeAddressAgents();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.closeSync(out);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
