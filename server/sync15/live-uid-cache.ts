const DEFAULT_MAX_ENTRIES = 1024;

/**
 * Sync 1.5 uids last seen live (a Sync 1.5 storage user whose tokenserver row is not
 * replaced), so that Hawk need not read two rows per request. Every entry belongs to one
 * database write generation (server/db/write-generation.ts): any write in this process — the
 * tokenserver replacing a uid, an admin deleting an account — starts a new generation and
 * empties the cache, so a replaced uid's token is refused by the very next request. Only the
 * live state is kept; refusals are always read afresh.
 */
export class LiveUidCache {
  private generation = -1;
  private readonly uids = new Set<number>();

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  /** Whether `uid` was seen live in this generation (null: writes are not counted, never). */
  has(uid: number, generation: number | null): boolean {
    if (generation === null) return false;
    this.moveTo(generation);
    return this.generation === generation && this.uids.has(uid);
  }

  /** Records `uid` as live, as read inside a read transaction at `generation`. */
  add(uid: number, generation: number | null): void {
    if (generation === null) return;
    this.moveTo(generation);
    // A read from an older generation than one already seen may predate a write: drop it.
    if (generation !== this.generation) return;
    if (this.uids.size >= this.maxEntries) {
      const oldest = this.uids.values().next();
      if (!oldest.done) this.uids.delete(oldest.value);
    }
    this.uids.add(uid);
  }

  get size(): number {
    return this.uids.size;
  }

  private moveTo(generation: number): void {
    if (generation > this.generation) {
      this.uids.clear();
      this.generation = generation;
    }
  }
}
