import type { Awaitable, Database, Tx } from './types.js';

/**
 * A bounded map of values read from the database, each valid only for the database change
 * version (Database.changeVersion) it was read at: the first lookup at a newer version
 * empties the map. Callers read the version BEFORE the value they store, so a write racing
 * with the read leaves an entry that the next lookup already finds outdated.
 * The least recently used entry goes first when the map is full.
 */
export class VersionedCache<K, V> {
  private version = Number.NEGATIVE_INFINITY;
  private readonly entries = new Map<K, V>();

  constructor(private readonly maxEntries: number) {}

  /** The value stored at `version`, or undefined. */
  get(key: K, version: number): V | undefined {
    this.moveTo(version);
    if (version !== this.version) return undefined;
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Stores a value read after `version` was taken. */
  set(key: K, value: V, version: number): void {
    this.moveTo(version);
    // Older than a version already seen: the read may predate a write, so keep nothing.
    if (version !== this.version) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
  }

  /** The value for `key`: from memory while `db`'s change version stands, else read in a transaction and kept. */
  async read(db: Database, key: K, load: (tx: Tx) => Awaitable<V>): Promise<V> {
    // Taken before the read, so a write racing with it outdates what is stored.
    const version = db.changeVersion();
    const cached = this.get(key, version);
    if (cached !== undefined) return cached;
    const value = await db.transaction('read', load);
    this.set(key, value, version);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  private moveTo(version: number): void {
    if (version > this.version) {
      this.entries.clear();
      this.version = version;
    }
  }
}
