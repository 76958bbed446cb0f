import type { Millis } from './timestamps.js';

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

/**
 * A write to one record. For each field, `undefined` keeps what is stored (or the default
 * for a new record) and `null` resets it to the default.
 */
export interface BsoWrite {
  id: string;
  payload?: string | null;
  sortindex?: number | null;
  parentid?: string | null;
  predecessorid?: string | null;
  /** Seconds from the write's timestamp; null means never expires. */
  ttl?: number | null;
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

export interface BsoQuery extends BsoFilter {
  /** Absent: insertion order, which Sync 1.1 clients and tests rely on. */
  sort?: SortOrder;
  limit?: number;
  offset?: number;
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

/**
 * How a protocol wants records written; the two generations disagree on details and the
 * engine keeps both behaviours explicit rather than guessing.
 */
export interface WritePolicy {
  /** Sync 1.5 bumps a record's `modified` when its sortindex changes; Sync 1.1 only for payloads. */
  bumpOnSortindex: boolean;
  /** Sync 1.5 advances the collection timestamp even for an empty POST; Sync 1.1 does not (§6.11). */
  touchWhenEmpty: boolean;
}
