import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net, { type Socket } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Real reverse proxies for the deploy-guide test, the parts every proxy shares: finding the
 * binary, a throwaway certificate, checking a configuration, and a foreground process whose
 * every wait is bounded and which the caller's `after` hook stops.
 */
const run = promisify(execFile);

/** Where Debian puts the binaries (nginx is in /usr/sbin, not on every user's PATH). */
export function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * `false` to run, or why the suite is skipped. Under CI=true a missing binary is not a skip:
 * `.ci/run` installs them, so their absence fails the test (the caller throws).
 */
export function skipUnless(...names: string[]): string | false {
  const missing = names.filter((n) => !findBinary(n));
  if (missing.length === 0 || process.env.CI === 'true') return false;
  return `${missing.join(', ')} not installed`;
}

export function requireBinary(name: string): string {
  const file = findBinary(name);
  if (!file) throw new Error(`${name} is not installed (CI installs it in .ci/run's apt-get line)`);
  return file;
}

export interface Certificate {
  cert: string;
  key: string;
  /** The certificate's PEM text, which clients trust as their only CA. */
  pem: string;
}

/** A one-day self-signed P-256 certificate for localhost and 127.0.0.1 (the `openssl` CLI). */
export async function throwawayCertificate(dir: string): Promise<Certificate> {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await run(
    requireBinary('openssl'),
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { timeout: 20_000 },
  );
  return { cert, key, pem: fs.readFileSync(cert, 'utf8') };
}

export interface Daemon {
  child: ChildProcess;
  output: string[];
  /** SIGTERM to its process group, then SIGKILL after 5 s; resolves once the group leader is gone. */
  stop(): Promise<void>;
}

/**
 * Processes this test file started and must not outlive it: a proxy is the leader of a process
 * group of its own (`detached`), so its workers (nginx's, Apache's children) are signalled with
 * it; a foxden serve child is one process, signalled alone.
 */
const running = new Map<ChildProcess, 'group' | 'process'>();

/** Signals a child's whole process group (a detached proxy) or the child itself; never throws. */
export function signalTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (running.get(child) === 'group') process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

/** Watchdogs of the foxden serve children (see killOnExit), each the leader of its group. */
const watchdogs = new Set<ChildProcess>();

function stopWatchdog(watchdog: ChildProcess): void {
  watchdogs.delete(watchdog);
  try {
    if (watchdog.pid !== undefined) process.kill(-watchdog.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  watchdog.stdin?.destroy();
}

/**
 * Registers a child (a foxden serve) the exit and signal hooks below must kill, and gives it a
 * watchdog for when they cannot run (the test process SIGKILLed): a detached `sh` that SIGKILLs
 * the child when the pipe from this process reaches end-of-file. Unreferenced, so it never keeps
 * the test process alive; stopped as soon as the child is gone.
 */
export function killOnExit(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  running.set(child, running.get(child) ?? 'process');
  const watchdog = spawn('/bin/sh', ['-c', 'cat >/dev/null; kill -KILL "$1"', 'sh', String(child.pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  watchdog.on('error', () => watchdogs.delete(watchdog));
  watchdog.unref();
  (watchdog.stdin as Socket | null)?.unref();
  watchdogs.add(watchdog);
  child.once('close', () => {
    running.delete(child);
    stopWatchdog(watchdog);
  });
}

function killAll(): void {
  for (const watchdog of [...watchdogs]) stopWatchdog(watchdog);
  for (const child of running.keys()) signalTree(child, 'SIGKILL');
}
// Last resort if the test file ends between a start and its after hook. On SIGINT, SIGTERM or
// SIGHUP the process would die without an 'exit' event: kill the children, then die of the same
// signal. A SIGKILL of the test file runs neither: the watchdogs (WATCHDOG below for a proxy's
// group, killOnExit's for a foxden serve) then kill what it started.
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

/**
 * Run by `sh -c` with the proxy's command line as "$@": a background subshell that waits for
 * end-of-file on the pipe it was given (fd 3, a copy of stdin: an asynchronous list's own stdin
 * is /dev/null) and then SIGKILLs its process group, i.e. the proxy, its workers and itself.
 */
const WATCHDOG =
  'exec 3<&0; (cat <&3 >/dev/null 2>&1; kill -KILL 0) >/dev/null 2>&1 & exec 3<&- </dev/null; exec "$@"';

/** Starts a proxy in the foreground and waits (bounded) until every port accepts connections. */
export async function startDaemon(
  command: string,
  args: string[],
  o: { ports: number[]; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<Daemon> {
  // `sh` leaves a watchdog in the group, then becomes the proxy (exec): the watchdog reads the
  // test's end of a pipe and kills the group when it closes, as it does when the test process
  // dies in any way, SIGKILL included, which runs none of the hooks above.
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'sh', command, ...args], {
    env: o.env ?? process.env,
    cwd: o.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so stopping it reaches its workers (and the watchdog) too.
    detached: true,
  });
  running.set(child, 'group');
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const gone = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let exited = false;
  void gone.then(() => {
    exited = true;
    child.stdin?.destroy();
    // Workers the master left behind (it died of a signal it could not pass on) go with it.
    signalTree(child, 'SIGKILL');
    running.delete(child);
  });
  const stop = async () => {
    if (!exited) {
      signalTree(child, 'SIGTERM');
      const timer = setTimeout(() => signalTree(child, 'SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + (o.timeoutMs ?? 15_000);
  try {
    for (const port of o.ports) {
      for (;;) {
        if (exited) throw new Error(`${path.basename(command)} exited at start:\n${output.join('\n')}`);
        if (await accepts(port)) break;
        if (Date.now() > deadline)
          throw new Error(
            `${path.basename(command)} not listening on ${port} in time:\n${output.join('\n')}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { child, output, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** What the guide's placeholders become in the test. */
export interface Site {
  /** The HTTPS port the guide writes as 443. */
  httpsPort: number;
  /** The plain-HTTP port the guide writes as 80 (redirect only), if the block has one. */
  httpPort?: number;
  /** Foxden's port (the guide's 8173). */
  foxdenPort: number;
  certificate: Certificate;
}

export const LETSENCRYPT = (file: string) => new RegExp(`/etc/letsencrypt/live/[^/\\s"]+/${file}`, 'g');

/** The proxy's own configuration check (`nginx -t`, `caddy validate`, …), its complaint as the error. */
export async function checkConfig(
  label: string,
  command: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<void> {
  try {
    await run(command, args, { timeout: 20_000, ...(env ? { env } : {}) });
  } catch (err) {
    throw new Error(
      `${label} refused the guide's configuration:\n${(err as { stderr?: string }).stderr ?? String(err)}`,
    );
  }
}

/**
 * lighttpd and Apache cannot log to a pipe's /dev/stderr (Node's child pipes are sockets):
 * their error.log in the temp dir goes into the start failure instead.
 */
export async function withErrorLog(dir: string, started: Promise<Daemon>): Promise<Daemon> {
  try {
    return await started;
  } catch (err) {
    const file = path.join(dir, 'error.log');
    const log = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '(no error.log)';
    throw new Error(`${(err as Error).message}\nerror.log:\n${log}`);
  }
}
