/**
 * The record and query shapes the database stores and the storage engine works with. They
 * live here, under server/db, so that the database layer does not import the engine; the
 * engine re-exports them from server/storage/types.ts and timestamps.ts.
 */

/**
 * Sync timestamps travel as seconds with exactly two decimals ("1278109839.90") and are
 * kept internally as integer milliseconds that are always a multiple of 10, so that no
 * float ever reaches a comparison or a serializer.
 */
export type Millis = number;

/** One stored record (a WBO in Sync 1.1, a BSO in Sync 1.5). */
export interface StoredBso {
  id: string;
  modified: Millis;
  payload: string | null;
  sortindex: number | null;
  parentid: string | null;
  predecessorid: string | null;
  /** Absolute expiry; null means it never expires. */
  expiry: Millis | null;
}

export type SortOrder = 'oldest' | 'newest' | 'index';

/** Filters are ANDed (spec 1.1 §6.5 [REC]); comparisons are strict. */
export interface BsoFilter {
  ids?: readonly string[];
  newer?: Millis;
  older?: Millis;
  indexAbove?: number;
  indexBelow?: number;
  parentid?: string;
  predecessorid?: string;
}

/**
 * Where a page ended, in its query's sort: the last row's sort value (modified for newest and
 * oldest, sortindex for index, which may be null) and id, the tie-breaker that makes each
 * order total. The next page starts strictly after it (keyset paging).
 */
export interface PageCursor {
  value: number | null;
  id: string;
}

export interface BsoQuery extends BsoFilter {
  /** Absent: insertion order, which Sync 1.1 clients and tests rely on. */
  sort?: SortOrder;
  limit?: number;
  offset?: number;
  /**
   * Only rows after this one in `sort`'s order (needs `sort`; replaces `offset`): a page costs
   * its own rows wherever it starts, and rows added or changed before it shift nothing.
   */
  after?: PageCursor;
  /**
   * The caller lists ids only: items come back with `payload`, `parentid` and `predecessorid`
   * null. An id listing of a large collection would otherwise read every payload into memory
   * (100,000 x 1 KB records: about 170 MB of RSS, measured by bench/run.ts).
   */
  idsOnly?: boolean;
}

export interface QueryResult {
  items: StoredBso[];
  /** True when more rows match beyond `limit`. */
  more: boolean;
}

export interface CollectionStamp {
  name: string;
  modified: Millis;
}

export interface CollectionFigure {
  name: string;
  value: number;
}

/** A staged batch upload (Sync 1.5). */
export interface BatchInfo {
  id: string;
  userId: number;
  collection: string;
  created: Millis;
}
