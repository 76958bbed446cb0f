import { createSecretKey, type KeyObject } from 'node:crypto';
import type { TokenManager, TokenPayload } from './tokenlib.js';

/** A token whose signature has been checked, with its derived Hawk key. */
export interface VerifiedToken {
  readonly payload: Readonly<TokenPayload>;
  readonly key: string;
  /** `key` as an HMAC key, imported once per token instead of once per request. */
  readonly macKey: KeyObject;
  /**
   * The id's signature part (unique per token), copied out of the Authorization header it came
   * from so that nonce-cache keys built on it do not keep the whole header alive.
   */
  readonly nonceScope: string;
}

/** The id's last 44 characters: urlsafe base64 of its 32-byte HMAC, unique per token. */
const SIGNATURE_CHARS = 44;

const DEFAULT_MAX_ENTRIES = 256;

/**
 * Remembers tokens that passed the signature check, with their HKDF-derived Hawk key, keyed by
 * the full token id: Firefox sends the same token with every request for up to an hour, and
 * the signature check plus key derivation cost more than the rest of Hawk together. Only that
 * work is skipped: expiry, the MAC, the timestamp and the nonce are still checked per request
 * by the caller. Bounded; the least recently used token goes first. A token that fails the
 * check is never stored, so forged ids cannot fill the cache.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, VerifiedToken>();
  /** The most recently used id: already last in the Map's order, so using it again moves nothing. */
  private newest: string | undefined;

  constructor(
    private readonly tokens: TokenManager,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {}

  /** The verified token for `id`; throws InvalidToken (from tokenlib) like `parseToken`. */
  verify(id: string): VerifiedToken {
    const hit = this.entries.get(id);
    if (hit) {
      // Re-inserting keeps Map order = least recently used first.
      if (id !== this.newest) {
        this.entries.delete(id);
        this.entries.set(id, hit);
        this.newest = id;
      }
      return hit;
    }
    const payload = Object.freeze(this.tokens.parseToken(id));
    const key = this.tokens.derivedSecret(id, payload.salt);
    const verified: VerifiedToken = Object.freeze({
      payload,
      key,
      macKey: createSecretKey(Buffer.from(key, 'utf8')),
      nonceScope: Buffer.from(id.slice(-SIGNATURE_CHARS), 'utf8').toString('utf8'),
    });
    // Bounded by maxEntries: at most one deletion is needed per insertion.
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(id, verified);
    this.newest = id;
    return verified;
  }

  get size(): number {
    return this.entries.size;
  }
}
