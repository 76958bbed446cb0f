import type { StagedItem } from '../../db/types.js';
import type { StoredBso } from '../../storage/types.js';
import { ts, type JsonValue } from '../../http/json.js';
import { BSO_ID } from './paths.js';

/** Fields a client may send in a BSO (spec 1.5 §2.3); `modified` and `collection` are ignored. */
const KNOWN_FIELDS = new Set(['id', 'modified', 'sortindex', 'payload', 'ttl', 'collection']);

const SORTINDEX_LIMIT = 999_999_999;
/** RS's bound; it also keeps `modified + ttl * 1000` a safe integer. */
const TTL_LIMIT = 999_999_999;

export type BsoCheck = { ok: true; write: StagedItem; payloadBytes: number } | { ok: false; reason: string };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isValidBsoId(id: unknown): id is string {
  return typeof id === 'string' && BSO_ID.test(id);
}

/**
 * Checks one BSO body against spec 1.5 §2.3 and turns it into a partial write: absent fields
 * stay `undefined` (keep stored value), explicit `null` resets. `id` is the record's id
 * (from the URL for PUT, from the body for POST). Payload size limits are the caller's,
 * because PUT and POST answer them differently.
 */
export function checkBso(body: Record<string, unknown>, id: string): BsoCheck {
  for (const key of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(key)) return { ok: false, reason: `unknown field ${key.slice(0, 40)}` };
  }
  if (!isValidBsoId(id)) return { ok: false, reason: 'invalid id' };
  if ('id' in body && typeof body.id !== 'string') return { ok: false, reason: 'invalid id' };
  const write: StagedItem = { id };
  let payloadBytes = 0;
  if ('payload' in body) {
    const payload = body.payload;
    if (payload !== null && typeof payload !== 'string') return { ok: false, reason: 'invalid payload' };
    write.payload = payload;
    payloadBytes = payload === null ? 0 : Buffer.byteLength(payload, 'utf8');
  }
  if ('sortindex' in body) {
    const sortindex = body.sortindex;
    if (sortindex !== null && !isIntegerIn(sortindex, -SORTINDEX_LIMIT, SORTINDEX_LIMIT)) {
      return { ok: false, reason: 'invalid sortindex' };
    }
    write.sortindex = sortindex;
  }
  if ('ttl' in body) {
    const ttl = body.ttl;
    if (ttl !== null && !isIntegerIn(ttl, 0, TTL_LIMIT)) return { ok: false, reason: 'invalid ttl' };
    write.ttl = ttl;
  }
  return { ok: true, write, payloadBytes };
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

const KNOWN_BAD_CRYPTO_PAYLOAD = /"IV":\s*"AAAAAAAAAAAAAAAAAAAAAA=="/;

/**
 * A buggy client once uploaded crypto/keys with an all-zero IV; servers refuse it so it can
 * never overwrite good keys (spec 1.5 §2.3).
 */
export function isKnownBadPayload(collection: string, write: StagedItem): boolean {
  return (
    collection === 'crypto' &&
    typeof write.payload === 'string' &&
    KNOWN_BAD_CRYPTO_PAYLOAD.test(write.payload)
  );
}

/** The wire form of a stored record: payload always present, sortindex only when set, ttl never. */
export function bsoJson(bso: StoredBso): JsonValue {
  return {
    id: bso.id,
    modified: ts(bso.modified),
    payload: bso.payload ?? '',
    sortindex: bso.sortindex ?? undefined,
  };
}
