import { hash, randomBytes } from 'node:crypto';

export interface CredentialCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  clock?: () => number;
}

const KEY_BYTES = 32;

/** A buffer of its own (never a slice of Node's shared pool) holding `key`, then `room` zero bytes. */
function keyedScratch(key: Buffer, room: number): Buffer {
  const scratch = Buffer.allocUnsafeSlow(KEY_BYTES + room).fill(0);
  key.copy(scratch, 0, 0, KEY_BYTES);
  return scratch;
}

interface Entry<T> {
  username: string;
  expires: number;
  /** What the check established (directory accounts: the person's storage account). */
  value: T | undefined;
}

/**
 * Remembers credentials that passed a (slow) password check, because Sync 1.1 sends the
 * password with every request. Entries are keyed by a keyed hash under a key that lives only
 * in this process, so the cache never holds a password or anything a password can be tested
 * against offline. The stored hash is part of the key: a password changed elsewhere (the CLI
 * in another process) invalidates the entry by itself.
 */
export class CredentialCache<T = undefined> {
  /**
   * The process's secret key in its first KEY_BYTES, then room for the text of one lookup.
   * Outside the JS heap (its own backing store), so a heap snapshot shows neither the key
   * nor a password; the text part is zeroed after each use.
   */
  private scratch = keyedScratch(randomBytes(KEY_BYTES), 1024);
  private readonly entries = new Map<string, Entry<T>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly clock: () => number;

  constructor(options: CredentialCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5 * 60 * 1000;
    this.maxEntries = options.maxEntries ?? 1000;
    this.clock = options.clock ?? Date.now;
  }

  /**
   * SHA-384 of key || user \0 password \0 stored hash, in base64 (48 bytes). A secret prefix
   * is a sound MAC for SHA-384, which (truncated SHA-512, unlike SHA-256) leaks no state to
   * extend, and every OpenSSL and BoringSSL (Electron) has it; it is one native call where
   * HMAC built an object per request, on every Sync 1.1 request (measured 5.3 vs 3.2 us).
   */
  keyFor(username: string, password: string, storedHash: string): string {
    const text = `${username}\0${password}\0${storedHash}`;
    // Three bytes of UTF-8 at most per UTF-16 unit: the text always fits, without measuring it.
    if (3 * text.length > this.scratch.length - KEY_BYTES) {
      this.scratch = keyedScratch(this.scratch.subarray(0, KEY_BYTES), 3 * text.length);
    }
    const end = KEY_BYTES + this.scratch.write(text, KEY_BYTES);
    const key = hash('sha384', this.scratch.subarray(0, end), 'base64');
    this.scratch.fill(0, KEY_BYTES, end);
    return key;
  }

  has(key: string): boolean {
    return this.live(key) !== undefined;
  }

  /** The value stored with a live entry; undefined when there is none (or it has expired). */
  valueOf(key: string): T | undefined {
    return this.live(key)?.value;
  }

  private live(key: string): Entry<T> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  add(key: string, username: string, value?: T): void {
    this.entries.delete(key);
    // Map keeps insertion order, so the first key is the oldest entry.
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { username, expires: this.clock() + this.ttlMs, value });
  }

  dropUser(username: string): void {
    for (const [key, entry] of this.entries) if (entry.username === username) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
