import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Sync 1.5 tokens in Mozilla's tokenlib format (spec 1.5 §3.5, §4.3): the token `id` is
 * urlsafe-base64(payload JSON ‖ HMAC-SHA256(signing key, payload JSON)) and the Hawk `key` is
 * derived from the master secret, the payload's salt and the id. The tokenserver and the storage
 * side share only the master secret, so tokens minted by Mozilla's tools validate here and back.
 */

const SIGNING_INFO = 'services.mozilla.com/tokenlib/v1/signing';
const DERIVE_INFO_PREFIX = 'services.mozilla.com/tokenlib/v1/derive/';
const DIGEST_BYTES = 32;
/** tokenlib's own default lifetime when a payload has no `expires` (TL `make_token`). */
const DEFAULT_TIMEOUT_S = 300;

/** The fields Foxden reads from a token payload; other fields are kept in `extra`. */
export interface TokenPayload {
  uid: number;
  node: string;
  /** Seconds since the epoch (Python tokens may carry a fraction). */
  expires: number;
  salt: string;
  fxa_uid?: string;
  fxa_kid?: string;
  hashed_fxa_uid?: string;
  hashed_device_id?: string;
  tokenserver_origin?: string;
}

export type TokenFields = Omit<TokenPayload, 'salt' | 'expires'> & { salt?: string; expires?: number };

export interface MintedToken {
  id: string;
  key: string;
  payload: TokenPayload;
}

export class InvalidToken extends Error {}

/** HKDF-SHA256, extract and expand; an empty salt equals HashLen zero bytes (RFC 5869 §2.2). */
function hkdf(ikm: Buffer, salt: Buffer, info: string, length = DIGEST_BYTES): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(info, 'ascii'), length));
}

/** Python's `urlsafe_b64encode`: `-_` alphabet, padded. */
export function urlsafeB64Encode(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

const URLSAFE_B64 = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes urlsafe base64 with or without padding; null for anything else. */
export function urlsafeB64Decode(text: string): Buffer | null {
  if (!URLSAFE_B64.test(text)) return null;
  const bare = text.replace(/=+$/, '');
  if (bare.length % 4 === 1) return null;
  return Buffer.from(bare, 'base64url');
}

/** Signs and parses tokens for one master secret (used as its UTF-8 bytes, spec §3.5). */
export class TokenManager {
  private readonly secret: Buffer;
  private readonly signingKey: Buffer;

  constructor(masterSecret: string) {
    if (!masterSecret) throw new Error('The Sync 1.5 master secret is empty');
    this.secret = Buffer.from(masterSecret, 'utf8');
    this.signingKey = hkdf(this.secret, Buffer.alloc(0), SIGNING_INFO);
  }

  private sign(payload: Buffer): Buffer {
    return createHmac('sha256', this.signingKey).update(payload).digest();
  }

  /** Mints `id` and `key`; fills `salt` (3 random bytes, hex) and `expires` when missing. */
  makeToken(fields: TokenFields, nowSeconds = Date.now() / 1000): MintedToken {
    const payload: TokenPayload = {
      ...fields,
      salt: fields.salt ?? randomBytes(3).toString('hex'),
      expires: fields.expires ?? Math.floor(nowSeconds) + DEFAULT_TIMEOUT_S,
    };
    const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
    const id = urlsafeB64Encode(Buffer.concat([bytes, this.sign(bytes)]));
    return { id, key: this.derivedSecret(id, payload.salt), payload };
  }

  /**
   * Checks the signature (constant time) and the payload's shape; expiry is the caller's
   * business because info/collections accepts expired tokens (spec §2.7).
   */
  parseToken(id: string): TokenPayload {
    const raw = urlsafeB64Decode(id);
    if (!raw || raw.length <= DIGEST_BYTES)
      throw new InvalidToken('the token id is not valid base64 of the right length');
    const payload = raw.subarray(0, raw.length - DIGEST_BYTES);
    const signature = raw.subarray(raw.length - DIGEST_BYTES);
    if (!timingSafeEqual(signature, this.sign(payload))) {
      throw new InvalidToken('the token signature does not match this server’s master secret');
    }
    let data: unknown;
    try {
      data = JSON.parse(payload.toString('utf8'));
    } catch {
      throw new InvalidToken('the token payload is not JSON');
    }
    return checkPayload(data);
  }

  /** The per-token Hawk key: HKDF(master, salt = payload salt, info = prefix + id as sent). */
  derivedSecret(id: string, salt: string): string {
    return urlsafeB64Encode(hkdf(this.secret, Buffer.from(salt, 'utf8'), DERIVE_INFO_PREFIX + id));
  }
}

const FXA_ID = /^[A-Za-z0-9=_-]{1,64}$/;

function checkPayload(data: unknown): TokenPayload {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidToken('the token payload is not an object');
  }
  const d = data as Record<string, unknown>;
  if (typeof d.uid !== 'number' || !Number.isSafeInteger(d.uid) || d.uid < 0) {
    throw new InvalidToken('the token has no valid uid');
  }
  if (typeof d.node !== 'string') throw new InvalidToken('the token has no node');
  if (typeof d.expires !== 'number' || !Number.isFinite(d.expires)) {
    throw new InvalidToken('the token has no valid expiry');
  }
  if (typeof d.salt !== 'string') throw new InvalidToken('the token has no salt');
  const payload: TokenPayload = { uid: d.uid, node: d.node, expires: d.expires, salt: d.salt };
  for (const name of ['fxa_uid', 'fxa_kid', 'hashed_fxa_uid', 'hashed_device_id'] as const) {
    const value = d[name];
    if (value === undefined || value === null) continue;
    // PSS validates these ids (spec §4.3 step 3); they end up in logs and lookups.
    if (typeof value !== 'string' || !FXA_ID.test(value))
      throw new InvalidToken(`the token's ${name} is malformed`);
    payload[name] = value;
  }
  if (typeof d.tokenserver_origin === 'string') payload.tokenserver_origin = d.tokenserver_origin;
  return payload;
}
