import type { SortOrder } from '../../storage/types.js';
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
  /** Rows to skip, from the opaque X-Weave-Next-Offset token. */
  offset: number;
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
 * The offset token this server hands out is a plain row count: enough for one household,
 * because Firefox pins X-If-Unmodified-Since while paging, so a concurrent change shows up
 * as 412 rather than a skipped row (spec 1.5 §2.8).
 */
export function parseOffsetToken(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw badRequest('invalid offset');
  return Number(value);
}

export const formatOffsetToken = (rows: number): string => String(rows);

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
  if (offset !== null) query.offset = parseOffsetToken(offset);
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
