import type { PageCursor, SortOrder } from '../../storage/types.js';
import { parseTimestamp, type Millis } from '../../storage/timestamps.js';
import { isValidBsoId } from './bso.js';
import { badRequest } from './errors.js';

export const MAX_IDS = 100;

/** `ids=a,b,c`: at most 100, each a valid BSO id, empty elements dropped (spec 1.5 §2.8). */
export function parseIds(value: string): string[] {
  const ids = value.split(',').filter((id) => id !== '');
  if (ids.length > MAX_IDS) throw badRequest('too many ids');
  for (const id of ids) if (!isValidBsoId(id)) throw badRequest('invalid id in ids');
  return ids;
}

export interface CollectionQuery {
  ids?: string[];
  newer?: Millis;
  older?: Millis;
  full: boolean;
  limit?: number;
  /** Rows to skip, from an X-Weave-Next-Offset token of the plain kind. */
  offset: number;
  /** Where the previous page ended, from a keyset token (OffsetToken). */
  after?: { sort: SortOrder; cursor: PageCursor };
  sort?: SortOrder;
}

function timestampParam(params: URLSearchParams, name: string): Millis | undefined {
  const value = params.get(name);
  if (value === null) return undefined;
  const ms = parseTimestamp(value, 'truncate');
  if (ms === null) throw badRequest(`invalid ${name}`);
  return ms;
}

const SORTS: ReadonlySet<string> = new Set<SortOrder>(['newest', 'oldest', 'index']);

/**
 * X-Weave-Next-Offset is opaque to clients (spec 1.5 §2.8). For a sorted query this server
 * hands out where the page ended (keyset paging, issue 11 #19): base64url of
 * `[1, sort, value, id]`, the last row's sort value (modified or sortindex) and id, so the
 * next page is one index seek plus its own rows however deep it is, and records written
 * between pages shift nothing (Firefox pins X-If-Unmodified-Since while paging, so it gets 412
 * instead; other clients no longer see a row twice). Queries in insertion order (id lists
 * without sort) keep a plain row count, which older Foxdens handed out for every query and
 * which is still accepted for any.
 */
const TOKEN_VERSION = 1;
const SORT_CODES: Record<SortOrder, string> = { newest: 'n', oldest: 'o', index: 'i' };
const CODE_SORTS = new Map(Object.entries(SORT_CODES).map(([sort, code]) => [code, sort as SortOrder]));
const MAX_TOKEN_CHARS = 400;

export type OffsetToken = { rows: number } | { sort: SortOrder; cursor: PageCursor };

export function parseOffsetToken(value: string): OffsetToken {
  if (/^\d{1,9}$/.test(value)) return { rows: Number(value) };
  const invalid = () => badRequest('invalid offset');
  // Ours are short (at most ~210 characters, for a 64-character id of quotes); longer is not ours.
  if (value.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(value)) throw invalid();
  let parsed: unknown;
  try {
    const bytes = Buffer.from(value, 'base64url');
    // Node's decoder skips stray trailing characters: only the exact encoding is ours.
    if (bytes.toString('base64url') !== value) throw invalid();
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4 || parsed[0] !== TOKEN_VERSION) throw invalid();
  const [, code, sortValue, id] = parsed as [unknown, unknown, unknown, unknown];
  const sort = typeof code === 'string' ? CODE_SORTS.get(code) : undefined;
  if (sort === undefined || !isValidBsoId(id)) throw invalid();
  const numeric = typeof sortValue === 'number' && Number.isSafeInteger(sortValue);
  if (sort === 'index') {
    if (sortValue !== null && !numeric) throw invalid();
  } else if (!(numeric && sortValue >= 0)) {
    throw invalid();
  }
  return { sort, cursor: { value: sortValue as number | null, id } };
}

export function formatOffsetToken(position: OffsetToken): string {
  if ('rows' in position) return String(position.rows);
  const { sort, cursor } = position;
  return Buffer.from(JSON.stringify([TOKEN_VERSION, SORT_CODES[sort], cursor.value, cursor.id])).toString(
    'base64url',
  );
}

/**
 * A keyset token must come from this very query: the same sort, and (like RS's tokens) a
 * position that its `newer`/`older` bounds allow; otherwise 400.
 */
export function checkTokenFits(query: CollectionQuery, sort: SortOrder | undefined): void {
  if (!query.after) return;
  if (query.after.sort !== sort) throw badRequest('offset token of another sort');
  const { value } = query.after.cursor;
  if (sort === 'index' || value === null) return;
  if (
    (query.newer !== undefined && value <= query.newer) ||
    (query.older !== undefined && value >= query.older)
  )
    throw badRequest('offset token outside newer/older');
}

/** GET/DELETE collection parameters with their validation; unknown ones are ignored (§2.8). */
export function parseCollectionQuery(params: URLSearchParams): CollectionQuery {
  const query: CollectionQuery = { full: params.has('full'), offset: 0 };
  const ids = params.get('ids');
  if (ids !== null) query.ids = parseIds(ids);
  const newer = timestampParam(params, 'newer');
  if (newer !== undefined) query.newer = newer;
  const older = timestampParam(params, 'older');
  if (older !== undefined) query.older = older;
  const limit = params.get('limit');
  if (limit !== null) {
    if (!/^\d+$/.test(limit)) throw badRequest('invalid limit');
    query.limit = Number(limit);
  }
  const offset = params.get('offset');
  if (offset !== null) {
    const token = parseOffsetToken(offset);
    if ('rows' in token) query.offset = token.rows;
    else query.after = token;
  }
  const sort = params.get('sort');
  if (sort !== null) {
    if (!SORTS.has(sort)) throw badRequest('invalid sort');
    query.sort = sort as SortOrder;
  }
  return query;
}

export type BatchMode =
  | { kind: 'none' }
  | { kind: 'new'; commit: boolean }
  | { kind: 'existing'; id: string; commit: boolean };

/** Batch ids this server issues are alphanumeric; anything else cannot be ours. */
const BATCH_ID = /^[A-Za-z0-9]{1,64}$/;

/**
 * `batch` and `commit` of a POST (spec 1.5 §2.10): `batch=true` (or empty) opens a batch,
 * `batch=<id>` continues one, `commit` must be `true` and needs a batch.
 */
export function parseBatchMode(params: URLSearchParams): BatchMode {
  const batch = params.get('batch');
  const commitText = params.get('commit');
  if (commitText !== null && commitText.toLowerCase() !== 'true') throw badRequest('invalid commit');
  const commit = commitText !== null;
  if (batch === null) {
    if (commit) throw badRequest('commit without batch');
    return { kind: 'none' };
  }
  if (batch === '' || batch.toLowerCase() === 'true') return { kind: 'new', commit };
  if (!BATCH_ID.test(batch)) throw badRequest('invalid batch id');
  return { kind: 'existing', id: batch, commit };
}
