// Record and query shapes are defined with the database layer, which must not import the engine.
export type {
  BatchInfo,
  BsoFilter,
  BsoQuery,
  CollectionFigure,
  CollectionStamp,
  PageCursor,
  QueryResult,
  SortOrder,
  StoredBso,
} from '../db/records.js';

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
