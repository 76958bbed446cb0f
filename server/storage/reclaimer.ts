import type { Database } from '../db/types.js';

/**
 * Removes, in the background, the rows that large deletes left below a floor (StorageTx
 * reclaimDeleted), then gives the space back a step at a time (Database.compactStep). Each
 * slice is one short write transaction; between slices the event loop is free for requests
 * (better-sqlite3 runs on it), so no user waits behind another user's delete for long.
 *
 * Slices are sized by time: the reclaimer aims at SLICE_TARGET_MS of work per transaction and
 * then rests at least as long, so it never takes more than about half of the event loop.
 * Floors are durable: after a restart `start()` carries on where the last run stopped; a delete
 * made by another process or node is found by the poll.
 */
export interface ReclaimerOptions {
  /**
   * Called once the floors are gone and the space is back, with the rows removed, the time it
   * took and the longest single step (what a request may have waited behind).
   */
  onReclaimed?: (rows: number, ms: number, longestStepMs: number) => void;
  onError?: (err: unknown) => void;
  /**
   * Called when a look for floors begins; what it answers is handed to `onIdle` if that look
   * finds none (the engine passes a count of deletes begun, so a delete made meanwhile counts).
   */
  onLook?: () => number;
  /** Called whenever the reclaimer has found no floor left at all, with what `onLook` gave. */
  onIdle?: (look: number) => void;
  /** Called whenever the reclaimer has found a floor (this process's or another's). */
  onFloor?: () => void;
  /** How often to look for floors left by other processes or nodes. */
  pollMs?: number;
}

const SLICE_TARGET_MS = 8;
const MIN_SLICE_ROWS = 100;
const MAX_SLICE_ROWS = 5_000;
const FIRST_SLICE_ROWS = 500;
/** The least rest between slices (a timer, so requests that came meanwhile go first). */
const MIN_REST_MS = 2;
const DEFAULT_POLL_MS = 60_000;

export class Reclaimer {
  private running: Promise<void> | null = null;
  private started = false;
  private again = false;
  private poll: NodeJS.Timeout | undefined;
  private sliceRows = FIRST_SLICE_ROWS;
  private longestStepMs = 0;

  constructor(
    private readonly db: Database,
    private readonly options: ReclaimerOptions = {},
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.poll = setInterval(() => this.wake(), this.options.pollMs ?? DEFAULT_POLL_MS);
    this.poll.unref();
    this.wake();
  }

  /** Stops after the slice under way; floors left stay for the next start. */
  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.poll);
    this.poll = undefined;
    await this.running;
  }

  /** Looks for work now (after a large delete); a run under way looks again when it ends. */
  wake(): void {
    if (!this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runUntilDone()
      .catch((err: unknown) => this.options.onError?.(err))
      .finally(() => {
        this.running = null;
        if (this.again && this.started) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Runs every slice now, resting between them; for tests and for a server that is closing. */
  async drain(): Promise<number> {
    const wasStarted = this.started;
    this.started = true;
    try {
      await this.running;
      return await this.reclaimAll();
    } finally {
      this.started = wasStarted;
    }
  }

  private async runUntilDone(): Promise<void> {
    const look = this.options.onLook?.() ?? 0;
    if (!(await this.db.transaction('read', (tx) => tx.hasDeletedRows()))) {
      this.options.onIdle?.(look);
      return;
    }
    this.options.onFloor?.();
    const t0 = performance.now();
    this.longestStepMs = 0;
    const rows = await this.reclaimAll();
    if (this.started) this.options.onReclaimed?.(rows, performance.now() - t0, this.longestStepMs);
  }

  private async reclaimAll(): Promise<number> {
    let total = 0;
    let any = false;
    while (this.started) {
      const t0 = performance.now();
      const look = this.options.onLook?.() ?? 0;
      const removed = await this.db.transaction('write', (tx) => tx.reclaimDeleted(this.sliceRows));
      const ms = performance.now() - t0;
      this.longestStepMs = Math.max(this.longestStepMs, ms);
      if (removed === null) {
        this.options.onIdle?.(look);
        break;
      }
      this.options.onFloor?.();
      any = true;
      total += removed;
      this.resize(removed, ms);
      await rest(Math.max(MIN_REST_MS, ms));
    }
    // Space back once nothing is left below a floor (SQLite: incremental vacuum, WAL truncated).
    while (any && this.started && this.db.compactStep) {
      const t0 = performance.now();
      const more = await this.db.compactStep();
      const ms = performance.now() - t0;
      this.longestStepMs = Math.max(this.longestStepMs, ms);
      if (!more) break;
      await rest(Math.max(MIN_REST_MS, ms));
    }
    return total;
  }

  private resize(removed: number, ms: number): void {
    if (removed < this.sliceRows || ms <= 0) return;
    const next = Math.round((this.sliceRows * SLICE_TARGET_MS) / ms);
    this.sliceRows = Math.min(MAX_SLICE_ROWS, Math.max(MIN_SLICE_ROWS, next));
  }
}

function rest(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
