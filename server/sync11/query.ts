import { parseTimestamp, type Millis } from '../storage/timestamps.js';
import type { BsoQuery, SortOrder } from '../storage/types.js';

/**
 * A huge limit means "no limit"; clamping keeps SQLite's LIMIT in 64-bit range. Offsets beyond
 * it cannot select anything either.
 */
const MAX_LIMIT = 2 ** 31 - 1;
/** An id list longer than a URL can carry; a bound so SQLite never sees too many variables. */
const MAX_IDS = 10_000;

export type QueryParse = { ok: true; query: BsoQuery; full: boolean } | { ok: false; message: string };

/** "1.5e3" → "1500": Decimal accepts exponents, the engine's parser does not. */
function expandExponent(text: string): string | null {
  const m = /^(\d*)(?:\.(\d*))?[eE]([+-]?\d{1,3})$/.exec(text);
  if (!m || (m[1] === '' && !m[2])) return null;
  const exponent = Number(m[3]);
  // Beyond this the value cannot be a timestamp; Decimal's quantize refused it too.
  if (Math.abs(exponent) > 30) return null;
  const whole = m[1] ?? '';
  const frac = m[2] ?? '';
  const digits = whole + frac;
  const point = whole.length + exponent;
  if (point <= 0) return '0.' + '0'.repeat(-point) + digits;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return digits.slice(0, point) + '.' + digits.slice(point);
}

/** Python's Decimal timestamps allow a sign and an exponent; the engine's parser does the rest. */
export function parseSignedTimestamp(text: string): Millis | null {
  const m = /^\s*([+-]?)(.*?)\s*$/s.exec(text) as RegExpExecArray;
  const body = m[2] as string;
  const plain = /[eE]/.test(body) ? expandExponent(body) : body;
  if (plain === null) return null;
  const magnitude = parseTimestamp(plain, 'nearest');
  if (magnitude === null) return null;
  return m[1] === '-' ? -magnitude : magnitude;
}

/** Python int(): optional sign and surrounding spaces, digits only. */
function parseInteger(text: string): number | null {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) return null;
  const n = Number(text.trim());
  return Math.max(-MAX_LIMIT, Math.min(MAX_LIMIT, n));
}

/** Python float(): decimals, exponents, inf; NaN compares with nothing and is refused. */
function parseFloatValue(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (/^[+-]?(?:inf|infinity)$/.test(t)) return t.startsWith('-') ? -Number.MAX_VALUE : Number.MAX_VALUE;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/.test(t)) return null;
  const n = Number(t);
  if (Number.isNaN(n)) return null;
  // Infinity would bind to SQLite as NULL-ish; the largest double compares the same way.
  return Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, n));
}

/** The value a client sent; repeated keys keep the last, as `dict(request.GET)` did. */
function last(params: URLSearchParams, key: string): string | undefined {
  const all = params.getAll(key);
  return all.length ? all[all.length - 1] : undefined;
}

const SORTS: readonly string[] = ['oldest', 'newest', 'index'];

/**
 * Query parameters of GET and DELETE on a collection (spec 1.1 §6.5): a value that does not
 * parse is a plain 400; limit/offset ≤ 0 and unknown sorts or parameters are ignored; the
 * filters are ANDed ([REC]).
 */
export function parseCollectionQuery(params: URLSearchParams): QueryParse {
  const query: BsoQuery = {};
  const ids = last(params, 'ids');
  if (ids !== undefined) {
    const list = ids.split(',');
    if (list.length > MAX_IDS) return { ok: false, message: `Too many ids (at most ${MAX_IDS}).` };
    query.ids = list;
  }
  const parentid = last(params, 'parentid');
  if (parentid !== undefined) query.parentid = parentid;
  const predecessorid = last(params, 'predecessorid');
  if (predecessorid !== undefined) query.predecessorid = predecessorid;
  for (const key of ['newer', 'older'] as const) {
    const text = last(params, key);
    if (text === undefined) continue;
    const value = parseSignedTimestamp(text);
    if (value === null) return { ok: false, message: `Invalid value for "${key}".` };
    query[key] = value;
  }
  for (const [key, field] of [
    ['index_above', 'indexAbove'],
    ['index_below', 'indexBelow'],
  ] as const) {
    const text = last(params, key);
    if (text === undefined) continue;
    const value = parseFloatValue(text);
    if (value === null) return { ok: false, message: `Invalid value for "${key}".` };
    query[field] = value;
  }
  let limit: number | null = null;
  let offset: number | null = null;
  const limitText = last(params, 'limit');
  if (limitText !== undefined) {
    limit = parseInteger(limitText);
    if (limit === null) return { ok: false, message: 'Invalid value for "limit".' };
  }
  const offsetText = last(params, 'offset');
  if (offsetText !== undefined) {
    offset = parseInteger(offsetText);
    if (offset === null) return { ok: false, message: 'Invalid value for "offset".' };
  }
  if (limit !== null && limit > 0) {
    query.limit = limit;
    if (offset !== null && offset > 0) query.offset = offset;
  }
  const sort = last(params, 'sort');
  if (sort !== undefined && SORTS.includes(sort)) query.sort = sort as SortOrder;
  const full = last(params, 'full');
  return { ok: true, query, full: full !== undefined && full !== '' };
}
