import type { Awaitable } from './types.js';

/**
 * A bounded map of values read from the database, each kept with the version it was read at
 * (Database.userVersion, or changeVersion) and answered only while that version stands.
 * Callers read the version BEFORE the value they store, so a write racing with the read
 * leaves an entry that the next lookup already finds outdated. A null version (the backend
 * cannot tell) keeps nothing. The least recently used entry goes first when the map is full.
 */
export class VersionedCache<K, V> {
  private readonly entries = new Map<K, { value: V; version: number }>();

  constructor(private readonly maxEntries: number) {}

  /** The value stored at `version`, or undefined. */
  get(key: K, version: number | null): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || version === null) return undefined;
    if (entry.version !== version) {
      this.entries.delete(key);
      return undefined;
    }
    // Map keeps insertion order: re-inserting makes this the most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores a value read after `version` was taken. */
  set(key: K, value: V, version: number | null): void {
    this.entries.delete(key);
    if (version === null) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, version });
  }

  /**
   * The value for `key`: from memory while the version `versionOf` answers stands, else
   * `load`ed and kept under it.
   */
  async read(key: K, versionOf: () => Awaitable<number | null>, load: () => Promise<V>): Promise<V> {
    // Taken before the read, so a write racing with it outdates what is stored.
    const version = await versionOf();
    const cached = this.get(key, version);
    if (cached !== undefined) return cached;
    const value = await load();
    this.set(key, value, version);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
