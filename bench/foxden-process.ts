import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * A real `foxden serve` process, started exactly as a user starts one (bin/foxden.js, which
 * runs the compiled dist/), with its request log on: stdout is either piped and drained, or
 * (`stdoutFile`) a file opened for appending, as systemd's `StandardOutput=append:` or a shell's
 * `>> foxden.log` give it, so every request costs the server what it costs in production.
 */
export interface FoxdenServeOptions {
  /** The repository root (bin/foxden.js and dist/ live there). */
  root: string;
  port: number;
  dataDir: string;
  publicUrl: string;
  /** Variables added to a copy of this process's environment without its own FOXDEN_* ones. */
  env: Record<string, string>;
  startTimeoutMs: number;
  /** Stdout goes to this file (appended) instead of a pipe. */
  stdoutFile?: string;
  /** More `foxden serve` flags (e.g. --allow-new-users). */
  extraArgs?: readonly string[];
  /** Node flags before bin/foxden.js (--cpu-prof is not allowed in NODE_OPTIONS). */
  nodeArgs?: readonly string[];
}

const STOP_TIMEOUT_MS = 10_000;
/** How often a stdout file is read while waiting for the "listening" line. */
const FILE_POLL_MS = 25;
/** How much of the child's stderr is kept to explain a failed start. */
const STDERR_KEEP_CHARS = 4_000;

const live = new Set<ChildProcess>();

export class FoxdenProcess {
  /** Newline-terminated lines read from stdout (the request log and lifecycle lines). */
  private lines = 0;

  private constructor(
    private readonly proc: ChildProcess,
    readonly port: number,
    private readonly stdoutFile: string | undefined,
  ) {}

  /** Where requests go: the node's own listener (its public URL may name another node). */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Lines the server wrote to stdout so far: shows the request log was on. */
  get logLines(): number {
    return this.stdoutFile === undefined ? this.lines : countLines(this.stdoutFile);
  }

  /**
   * RSS now and at its peak (VmRSS, VmHWM from /proc/<pid>/status, bytes) and CPU time so far;
   * null off Linux.
   */
  memory(): { rss: number; maxRss: number; cpuMicros: number } | null {
    const cpuMicros = this.cpuMicros();
    if (this.proc.pid === undefined || cpuMicros === null) return null;
    try {
      const status = fs.readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
      const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
      const rss = kb('VmRSS');
      const maxRss = kb('VmHWM');
      return Number.isFinite(rss) && Number.isFinite(maxRss) ? { rss, maxRss, cpuMicros } : null;
    } catch {
      return null;
    }
  }

  /**
   * Where the RSS is (MB, from /proc/<pid>/smaps_rollup and status): pages of files (the node
   * binary and shared libraries, which no setting of ours moves) and anonymous memory (V8's
   * heaps, malloc, thread stacks), and the thread count; null off Linux.
   */
  rssBreakdown(): { fileMb: number; anonMb: number; threads: number } | null {
    if (this.proc.pid === undefined) return null;
    try {
      const rollup = fs.readFileSync(`/proc/${this.proc.pid}/smaps_rollup`, 'utf8');
      const status = fs.readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
      const kb = (text: string, name: string) =>
        Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1]);
      const rss = kb(rollup, 'Rss');
      const anon = kb(rollup, 'Anonymous');
      const threads = kb(status, 'Threads');
      if (![rss, anon, threads].every(Number.isFinite)) return null;
      return { fileMb: (rss - anon) / 1024, anonMb: anon / 1024, threads };
    } catch {
      return null;
    }
  }

  /** Spawns the server and waits for its "Foxden listening on" line. */
  static start(o: FoxdenServeOptions): Promise<FoxdenProcess> {
    const args = [
      ...(o.nodeArgs ?? []),
      path.join(o.root, 'bin', 'foxden.js'),
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(o.port),
      '--no-admin',
      '--data-dir',
      o.dataDir,
      '--public-url',
      o.publicUrl,
      '--max-new-users',
      '0',
      '--quota-kb',
      '0',
      ...(o.extraArgs ?? []),
    ];
    // The child gets its own descriptor of the file; ours is closed once it is handed over.
    const out = o.stdoutFile === undefined ? 'pipe' : fs.openSync(o.stdoutFile, 'a', 0o600);
    // A restart appends to the same file: only what this process writes counts as its start.
    const startOffset = typeof out === 'number' ? fs.fstatSync(out).size : 0;
    let proc: ChildProcess;
    try {
      proc = spawn(process.execPath, args, {
        cwd: o.root,
        env: { ...withoutFoxdenVariables(process.env), ...o.env },
        stdio: ['ignore', out, 'pipe'],
      });
    } finally {
      if (typeof out === 'number') fs.closeSync(out);
    }
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    const node = new FoxdenProcess(proc, o.port, o.stdoutFile);
    let stderr = '';
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP_CHARS);
    });
    return new Promise((resolve, reject) => {
      let pending = '';
      let ready = false;
      let poll: NodeJS.Timeout | undefined;
      const fail = (why: string) => {
        clearTimeout(timer);
        clearInterval(poll);
        proc.kill('SIGKILL');
        const last = stderr.trim().split('\n').pop() ?? '';
        reject(new Error(`foxden serve ${why}${last ? `: ${last}` : ''}`));
      };
      const timer = setTimeout(() => fail(`did not listen within ${o.startTimeoutMs} ms`), o.startTimeoutMs);
      proc.once('error', (err) => fail(`could not start (${err.message})`));
      proc.once('exit', (code, signal) => {
        if (!ready) fail(`exited (${signal ?? `code ${code}`}) before listening`);
      });
      const listening = () => {
        ready = true;
        clearTimeout(timer);
        clearInterval(poll);
        resolve(node);
      };
      if (o.stdoutFile !== undefined) {
        const file = o.stdoutFile;
        // Bounded by the start timer, which clears the poll.
        poll = setInterval(() => {
          if (!ready && readFrom(file, startOffset).includes('Foxden listening on')) listening();
        }, FILE_POLL_MS);
      }
      proc.stdout?.setEncoding('utf8');
      // Drained for the whole life of the process; a pipe nobody reads would block the server.
      proc.stdout?.on('data', (chunk: string) => {
        let newline = chunk.indexOf('\n');
        while (newline !== -1) {
          node.lines++;
          newline = chunk.indexOf('\n', newline + 1);
        }
        if (ready) return;
        pending = (pending + chunk).slice(-STDERR_KEEP_CHARS);
        if (pending.includes('Foxden listening on')) listening();
      });
    });
  }

  /**
   * Server CPU time so far (user + system, microseconds) from /proc; null off Linux. Clock
   * ticks are coarse (10 ms), fine over runs of seconds.
   */
  cpuMicros(): number | null {
    if (this.proc.pid === undefined) return null;
    try {
      const stat = fs.readFileSync(`/proc/${this.proc.pid}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      return Number.isFinite(ticks) ? ticks * 10_000 : null;
    } catch {
      return null;
    }
  }

  /** SIGTERM (open requests finish, the database closes), SIGKILL if it hangs. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** Kills every server this run started (by handle, never by name): on errors, Ctrl-C, exit. */
export function killAllFoxdenProcesses(): void {
  for (const proc of live) proc.kill('SIGKILL');
}

/** A port free on 127.0.0.1 right now, so the public URL can name it before the server starts. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free loopback port'))));
    });
  });
}

/** A file's text from `offset` on (the start of a log: small). */
function readFrom(file: string, offset: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.max(0, Math.min(size - offset, STDERR_KEEP_CHARS * 4)));
    fs.readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Newlines in a file, read in chunks (a long run's request log is tens of MB). */
function countLines(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let lines = 0;
    let n: number;
    while ((n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0) {
      for (let at = chunk.indexOf(10); at !== -1 && at < n; at = chunk.indexOf(10, at + 1)) lines++;
    }
    return lines;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Compiles the server into dist/ (`npx tsc -p tsconfig.build.json`), as `npm install` does,
 * so bin/foxden.js runs this tree's code. tsc emits despite type errors elsewhere in a tree
 * being worked on; that is reported, not fatal.
 */
export function compileDist(root: string, timeoutMs: number, log: (message: string) => void): void {
  log('compiling the server (npx tsc -p tsconfig.build.json) ...');
  const result = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (result.error) throw new Error(`tsc could not run: ${result.error.message}`);
  if (result.status !== 0) {
    const errors = (result.stdout.match(/error TS\d+/g) ?? []).length;
    log(`tsc reported ${errors} type error(s); dist/ was emitted anyway`);
  }
  if (!fs.existsSync(path.join(root, 'dist', 'server', 'cli.js')))
    throw new Error('dist/server/cli.js was not built');
}

/** The bench decides every setting itself: a FOXDEN_CONFIG or FOXDEN_PORT of the caller's must not leak in. */
function withoutFoxdenVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('FOXDEN_')));
}
