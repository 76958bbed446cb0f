import { fork, type ChildProcess } from 'node:child_process';
import type { ChildMessage, MemoryFigures, ParentMessage } from './ipc.js';

const READY_TIMEOUT_MS = 20_000;
const REPLY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;

/** A process under test, reachable on 127.0.0.1:port, driven over IPC. */
export class ChildServer {
  private constructor(
    private readonly proc: ChildProcess,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Forks a transpiled script (plain node, no tsx) and waits for its `ready` message. */
  static async start(
    script: string,
    args: string[] = [],
    options: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {},
  ): Promise<ChildServer> {
    const proc = fork(script, args, {
      execArgv: options.execArgv ?? [],
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    const ready = await waitFor(proc, 'ready', READY_TIMEOUT_MS);
    return new ChildServer(proc, ready.port);
  }

  async memory(gc = false): Promise<MemoryFigures> {
    this.send({ type: 'memory', gc });
    return waitFor(this.proc, 'memory', REPLY_TIMEOUT_MS);
  }

  async seed(message: Extract<ParentMessage, { type: 'seed' }>): Promise<number> {
    this.send(message);
    return (await waitFor(this.proc, 'seeded', REPLY_TIMEOUT_MS)).count;
  }

  async createSync15User(fxaUid: string): Promise<number> {
    this.send({ type: 'createSync15User', fxaUid });
    return (await waitFor(this.proc, 'sync15User', REPLY_TIMEOUT_MS)).uid;
  }

  /** Asks the child to close cleanly (flushing a CPU profile if one runs); kills it if it hangs. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private send(message: ParentMessage): void {
    this.proc.send(message);
  }
}

const live = new Set<ChildProcess>();

/** Kills every child still running (this run's own, by handle): used on errors and Ctrl-C. */
export function killAllChildren(): void {
  for (const proc of live) proc.kill('SIGKILL');
}

function waitFor<T extends ChildMessage['type']>(
  proc: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      proc.off('message', onMessage);
      proc.off('exit', onExit);
    };
    const onMessage = (msg: ChildMessage) => {
      if (msg.type === 'error') {
        cleanup();
        reject(new Error(`child: ${msg.message}`));
      } else if (msg.type === type) {
        cleanup();
        resolve(msg as Extract<ChildMessage, { type: T }>);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`child exited (code ${code}) while waiting for ${type}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`child did not answer ${type} within ${timeoutMs} ms`));
    }, timeoutMs);
    proc.on('message', onMessage);
    proc.once('exit', onExit);
  });
}
