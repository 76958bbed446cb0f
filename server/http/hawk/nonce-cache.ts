/**
 * Remembers Hawk nonces for as long as their timestamp could still be accepted, so a captured
 * request cannot be replayed (spec 1.5 §4.5, hawkauthlib's nonce cache). Bounded: when full,
 * the oldest entries go first, which only shortens how long the oldest nonces are remembered.
 * With Sync 1.5's one-hour window a nonce is kept two hours; the default 100,000 entries hold
 * every request of a household sending 13 a second for those two hours (Firefox sends a few
 * dozen per sync), in about 15 MB (measured 144 bytes an entry; at most about 23 MB while
 * evicted slots wait in the queue to be compacted).
 */
export class NonceCache {
  /** key → expiry (ms). */
  private readonly entries = new Map<string, number>();
  /**
   * Keys in insertion order, which is also expiry order. A separate queue because reaching a
   * Map's oldest entry through a fresh iterator skips every slot deleted before it: measured
   * 7-12 µs a request once 100,000 nonces were held, a third of Hawk's cost.
   */
  private queue: string[] = [];
  private head = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  /** True the first time a key is seen within its lifetime; false for a replay. */
  add(key: string, now: number): boolean {
    this.evict(now);
    const expiry = this.entries.get(key);
    if (expiry !== undefined && expiry > now) return false;
    const own = ownCopy(key);
    this.entries.set(own, now + this.ttlMs);
    this.queue.push(own);
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(now: number): void {
    // Bounded by the queue's length; stops at the first live entry when not over capacity.
    while (this.head < this.queue.length) {
      const key = this.queue[this.head] as string;
      const expiry = this.entries.get(key);
      if (expiry !== undefined && expiry > now && this.entries.size < this.maxEntries) break;
      // A key added again after it expired also has this older slot: the loop then waits for the
      // newer expiry, which keeps a few expired entries a little longer (add() ignores them).
      this.entries.delete(key);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * A string that shares no memory with `key`. Keys are built from slices of much longer
 * strings (the token id, the Authorization header), and V8 keeps a slice's whole parent alive
 * for as long as the slice: measured 620 instead of 130 bytes per entry, 60 MB at 100,000.
 */
function ownCopy(key: string): string {
  return Buffer.from(key, 'utf8').toString('utf8');
}
