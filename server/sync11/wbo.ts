import { ts, type JsonValue } from '../http/json.js';
import type { BsoWrite, StoredBso } from '../storage/types.js';

/** Limits of server-storage's wbo.py (spec 1.1 §6.1). */
export const MAX_ID_LENGTH = 64;
export const MAX_TTL_SECONDS = 31_536_000;
export const MAX_SORTINDEX = 999_999_999;
export const MAX_PAYLOAD_BYTES = 262_144;

type Scalar = string | number | boolean;
export type WboObject = Record<string, Scalar>;

/**
 * A WBO body must be a JSON object whose values are all scalars or null; nulls count as
 * absent (spec 1.1 §6.1). Returns the object without its nulls, or null when invalid.
 */
export function asWboObject(value: unknown): WboObject | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const out: WboObject = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null) continue;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return null;
    out[key] = v;
  }
  return out;
}

/** Python's str() of a JSON scalar, which is how the original turned ids into strings. */
export function scalarToString(value: Scalar): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

const INTEGER = /^\s*[+-]?\d+\s*$/;
const FLOAT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** Python int(): numbers truncate, strings must be integers. */
function toInt(value: Scalar): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : null;
  return INTEGER.test(value) ? Number(value.trim()) : null;
}

/** int(v), else int(float(v)): "5.5" becomes 5 (spec 1.1 §6.1). */
function toSortindex(value: Scalar): number | null {
  const asInt = toInt(value);
  if (asInt !== null) return asInt;
  if (typeof value !== 'string' || !FLOAT.test(value)) return null;
  const n = Number(value.trim());
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

export type WboCheck =
  | { ok: true; id: string | undefined; write: Omit<BsoWrite, 'id'> }
  | { ok: false; id: string | undefined; message: string };

/**
 * Validates in server-storage's order; the first failure's message is what a POST reports
 * for that id. An absent ttl resets the expiry to "never" (spec 1.1 §6.8), which the
 * engine spells `null`; other absent fields are `undefined` and keep the stored value.
 */
export function checkWbo(wbo: WboObject): WboCheck {
  const strings: Partial<Record<'id' | 'parentid' | 'predecessorid', string>> = {};
  for (const field of ['parentid', 'id', 'predecessorid'] as const) {
    const raw = wbo[field];
    if (raw === undefined) continue;
    const text = scalarToString(raw);
    if (text.length > MAX_ID_LENGTH)
      return { ok: false, id: strings.id ?? idOf(wbo), message: `invalid ${field}` };
    strings[field] = text;
  }
  const id = strings.id;
  const write: Omit<BsoWrite, 'id'> = { ttl: null };
  if (strings.parentid !== undefined) write.parentid = strings.parentid;
  if (strings.predecessorid !== undefined) write.predecessorid = strings.predecessorid;
  if (wbo.ttl !== undefined) {
    const ttl = toInt(wbo.ttl);
    if (ttl === null || ttl < 0 || ttl > MAX_TTL_SECONDS) return { ok: false, id, message: 'invalid ttl' };
    write.ttl = ttl;
  }
  if (wbo.sortindex !== undefined) {
    const sortindex = toSortindex(wbo.sortindex);
    if (sortindex === null || Math.abs(sortindex) > MAX_SORTINDEX)
      return { ok: false, id, message: 'invalid sortindex' };
    write.sortindex = sortindex;
  }
  if (wbo.payload !== undefined) {
    if (typeof wbo.payload !== 'string') return { ok: false, id, message: 'payload not a string' };
    if (Buffer.byteLength(wbo.payload, 'utf8') > MAX_PAYLOAD_BYTES)
      return { ok: false, id, message: 'payload too large' };
    write.payload = wbo.payload;
  }
  return { ok: true, id, write };
}

function idOf(wbo: WboObject): string | undefined {
  return wbo.id === undefined ? undefined : scalarToString(wbo.id);
}

/** Output form: id, modified and the non-null fields; ttl is never returned (spec 1.1 §6.1). */
export function wboJson(bso: StoredBso): JsonValue {
  return {
    id: bso.id,
    modified: ts(bso.modified),
    parentid: bso.parentid ?? undefined,
    predecessorid: bso.predecessorid ?? undefined,
    sortindex: bso.sortindex ?? undefined,
    payload: bso.payload ?? undefined,
  };
}
