import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * A real `foxden serve` process, started exactly as a user starts one (bin/foxden.js, which
 * runs the compiled dist/), with its request log on: stdout is piped and drained, so every
 * request costs the server what it costs in production, minus a terminal.
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
}

const STOP_TIMEOUT_MS = 10_000;
/** How much of the child's stderr is kept to explain a failed start. */
const STDERR_KEEP_CHARS = 4_000;

const live = new Set<ChildProcess>();

export class FoxdenProcess {
  /** Newline-terminated lines read from stdout (the request log and lifecycle lines). */
  private lines = 0;

  private constructor(
    private readonly proc: ChildProcess,
    readonly port: number,
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
    return this.lines;
  }

  /** Spawns the server and waits for its "Foxden listening on" line. */
  static start(o: FoxdenServeOptions): Promise<FoxdenProcess> {
    const args = [
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
    ];
    const proc = spawn(process.execPath, args, {
      cwd: o.root,
      env: { ...withoutFoxdenVariables(process.env), ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    const node = new FoxdenProcess(proc, o.port);
    let stderr = '';
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP_CHARS);
    });
    return new Promise((resolve, reject) => {
      let pending = '';
      let ready = false;
      const fail = (why: string) => {
        clearTimeout(timer);
        proc.kill('SIGKILL');
        const last = stderr.trim().split('\n').pop() ?? '';
        reject(new Error(`foxden serve ${why}${last ? `: ${last}` : ''}`));
      };
      const timer = setTimeout(() => fail(`did not listen within ${o.startTimeoutMs} ms`), o.startTimeoutMs);
      proc.once('error', (err) => fail(`could not start (${err.message})`));
      proc.once('exit', (code, signal) => {
        if (!ready) fail(`exited (${signal ?? `code ${code}`}) before listening`);
      });
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
        if (pending.includes('Foxden listening on')) {
          ready = true;
          clearTimeout(timer);
          resolve(node);
        }
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

/** The bench decides every setting itself: a FOXDEN_CONFIG or FOXDEN_PORT of the caller's must not leak in. */
function withoutFoxdenVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('FOXDEN_')));
}
