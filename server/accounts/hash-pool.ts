import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import { tuneHeapForServer } from '../heap.js';

export type HashTask =
  | { op: 'hash'; password: string; cost: number }
  | { op: 'verify'; password: string; hash: string };
export type HashReply = { ok: true; value: string | boolean } | { ok: false; error: string };

/** Every worker is busy and the queue is full: answer "busy, retry later", never queue without bound. */
export class HashPoolBusy extends Error {
  constructor() {
    super('too many password checks are waiting');
  }
}

export interface HashPoolOptions {
  /** Worker threads; bcrypt is CPU-bound and a household server often has two cores. */
  size?: number;
  /** Tasks that may wait for a worker. */
  maxQueue?: number;
  /** Tests: a worker program to run instead (e.g. one that fails to start). */
  workerSource?: string;
  /**
   * A worker idle this long stops. Each holds a V8 isolate (~9 MB of RSS), and thanks to the
   * credential cache bcrypt runs only at a login or a password change; starting one again
   * costs ~30 ms.
   */
  idleMs?: number;
}

interface Queued {
  task: HashTask;
  resolve(value: string | boolean): void;
  reject(err: unknown): void;
}

interface Slot {
  worker: Worker;
  current: Queued | null;
  /** Stops the worker once it has been idle for `idleMs`. */
  retire: NodeJS.Timeout | null;
}

/**
 * The worker's whole program, run with `eval`: there is no script file to find, which would
 * differ between tsx (tests: a .ts file that Node 20 workers cannot load, since `--import`
 * hooks do not reach them), dist/ (the CLI) and Electron's asar archive. bcryptjs is passed
 * as a resolved CommonJS path. One bcrypt at a time; the synchronous calls are right here,
 * since this thread does nothing else, and faster than bcryptjs's chunked async ones.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', (task) => {
  let reply;
  try {
    reply = task.op === 'hash'
      ? { ok: true, value: bcrypt.hashSync(task.password, task.cost) }
      : { ok: true, value: bcrypt.compareSync(task.password, task.hash) };
  } catch (err) {
    reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort.postMessage(reply);
});
`;

let bcryptPath: string | undefined;
function resolveBcrypt(): string {
  bcryptPath ??= createRequire(import.meta.url).resolve('bcryptjs');
  return bcryptPath;
}

/**
 * A small, bounded pool of worker threads for bcrypt (bcryptjs is pure JavaScript: on the
 * main thread each check would stall every other request for ~70 ms). Workers start on first
 * use and are unref'd while idle, so a CLI command exits without closing the pool. If a
 * worker cannot start at all (a packaging that cannot load the worker script), bcrypt runs
 * on this thread as before, in bcryptjs's chunked async form, rather than failing logins.
 */
export class HashPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Queued[] = [];
  private readonly size: number;
  private readonly maxQueue: number;
  private readonly workerSource: string;
  private readonly idleMs: number;
  private inline = false;
  /** Set by close(): workers stop as they become idle, until a new task arrives. */
  private closing = false;

  constructor(options: HashPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? 2);
    this.maxQueue = Math.max(0, options.maxQueue ?? 32);
    this.workerSource = options.workerSource ?? WORKER_SOURCE;
    this.idleMs = options.idleMs ?? 10_000;
  }

  get threads(): number {
    return this.slots.length;
  }

  hash(password: string, cost: number): Promise<string> {
    return this.run({ op: 'hash', password, cost }) as Promise<string>;
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.run({ op: 'verify', password, hash }) as Promise<boolean>;
  }

  /**
   * Stops idle workers now and busy ones once their task is done; queued tasks still run.
   * The pool stays usable: a later task starts a worker again.
   */
  close(): Promise<void> {
    this.closing = true;
    const exits: Promise<unknown>[] = [];
    for (const slot of [...this.slots]) {
      if (slot.current || this.queue.length > 0) continue;
      this.remove(slot);
      exits.push(slot.worker.terminate());
    }
    return Promise.all(exits).then(() => undefined);
  }

  private run(task: HashTask): Promise<string | boolean> {
    this.closing = false;
    if (this.inline) return runInline(task);
    return new Promise((resolve, reject) => {
      const job: Queued = { task, resolve, reject };
      const idle = this.slots.find((s) => !s.current);
      if (idle) return this.dispatch(idle, job);
      if (this.slots.length < this.size) return this.dispatch(this.spawn(), job);
      if (this.queue.length >= this.maxQueue) return reject(new HashPoolBusy());
      this.queue.push(job);
    });
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerSource, {
      eval: true,
      workerData: { bcryptPath: resolveBcrypt() },
    });
    // Starting a worker re-applies V8's command-line flags process-wide, undoing the main
    // heap's tuning: bench/run.ts measured 49 MB of main heap instead of 29 with it undone.
    worker.once('online', () => tuneHeapForServer());
    const slot: Slot = { worker, current: null, retire: null };
    // Set by the first answer: a worker that fails before any (a packaging where the program or
    // bcryptjs cannot load; 'online' comes before that) will never work here.
    let answered = false;
    worker.on('message', (reply: HashReply) => {
      answered = true;
      const job = slot.current;
      slot.current = null;
      if (job) {
        if (reply.ok) job.resolve(reply.value);
        else job.reject(new Error(reply.error));
      }
      this.next(slot);
    });
    worker.on('error', (err) => {
      if (!answered) this.inline = true;
      this.fail(slot, err, !answered);
    });
    worker.on('exit', (code) => {
      if (this.slots.includes(slot)) this.fail(slot, new Error(`password worker exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }

  private dispatch(slot: Slot, job: Queued): void {
    if (slot.retire) clearTimeout(slot.retire);
    slot.retire = null;
    slot.current = job;
    slot.worker.ref();
    slot.worker.postMessage(job.task);
  }

  private next(slot: Slot): void {
    const job = this.queue.shift();
    if (job) return this.dispatch(slot, job);
    if (this.closing) {
      this.remove(slot);
      void slot.worker.terminate();
      return;
    }
    // Idle workers must not keep a finished CLI command (or a test) alive.
    slot.worker.unref();
    slot.retire = setTimeout(() => {
      if (slot.current) return;
      this.remove(slot);
      void slot.worker.terminate();
    }, this.idleMs);
    slot.retire.unref();
  }

  /** A worker died: its task fails, the queue moves to a fresh worker (or to this thread). */
  private fail(slot: Slot, err: unknown, retry = false): void {
    this.remove(slot);
    void slot.worker.terminate();
    const job = slot.current;
    slot.current = null;
    if (job && retry) this.run(job.task).then(job.resolve, job.reject);
    else job?.reject(err);
    const waiting = this.queue.splice(0);
    for (const job of waiting) this.run(job.task).then(job.resolve, job.reject);
  }

  private remove(slot: Slot): void {
    if (slot.retire) clearTimeout(slot.retire);
    slot.retire = null;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }
}

function runInline(task: HashTask): Promise<string | boolean> {
  return task.op === 'hash'
    ? bcrypt.hash(task.password, task.cost)
    : bcrypt.compare(task.password, task.hash);
}

let shared: HashPool | null = null;

/** The process's pool: bcrypt is a CPU limit of the machine, not of one server. */
export function sharedHashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}

/** Called when a server closes; a later task (another server, the CLI) starts workers again. */
export function closeSharedHashPool(): Promise<void> {
  return shared ? shared.close() : Promise.resolve();
}
