import type { Millis } from './timestamps.js';
import type { BsoQuery, PageCursor, SortOrder, StoredBso } from './types.js';

/** Pages remembered per server; a full download keeps only its latest page end alive. */
const MAX_ENTRIES = 512;

interface PageEnd {
  cursor: PageCursor;
  /** The collection's timestamp when the page was read: any write since moves it. */
  collectionModified: Millis;
}

/** The cursor a page that ended with `bso` hands on, in `sort`'s order. */
export function cursorOf(bso: StoredBso, sort: SortOrder): PageCursor {
  return { value: sort === 'index' ? bso.sortindex : bso.modified, id: bso.id };
}

/**
 * Where recent pages ended, so that a row-count offset (Sync 1.1's `offset=`, spec 1.1 §6.5,
 * and Sync 1.5's old plain tokens) seeks instead of walking and dropping `offset` rows: the
 * page that asks for offset N of a query starts after the row this server's page ending at N
 * handed out, when the collection has not been written since; otherwise the query runs with
 * OFFSET as before. Over the same records both give the same rows (a total order), but not
 * always the same answer: a record that expires between two pages leaves OFFSET's count one
 * short, so OFFSET skips a row the client never had, where the seek carries on after the last
 * row it was sent (the better answer). Only sorted queries without `ids` qualify (an `ids` query
 * is paged in memory anyway). Bounded; least recently used entries go first.
 */
export class PageEnds {
  private readonly ends = new Map<string, PageEnd>();

  /** The query to run instead of `query` (a seek), or `query` itself. */
  seek(userId: number, collection: string, query: BsoQuery, collectionModified: Millis): BsoQuery {
    if (!query.offset || query.after) return query;
    const key = keyOf(userId, collection, query, query.offset);
    if (key === null) return query;
    const end = this.ends.get(key);
    if (!end || end.collectionModified !== collectionModified) return query;
    // Touch: the download's next page will ask for the entry after this one.
    this.ends.delete(key);
    return { ...query, offset: undefined, after: end.cursor };
  }

  /** Notes where a page of `query` that returned `items` (and had more) ended. */
  remember(
    userId: number,
    collection: string,
    query: BsoQuery,
    items: readonly StoredBso[],
    collectionModified: Millis,
  ): void {
    const last = items.at(-1);
    if (!last || !query.sort || query.after) return;
    const key = keyOf(userId, collection, query, (query.offset ?? 0) + items.length);
    if (key === null) return;
    this.ends.delete(key);
    this.ends.set(key, { cursor: cursorOf(last, query.sort), collectionModified });
    if (this.ends.size > MAX_ENTRIES) this.ends.delete(this.ends.keys().next().value as string);
  }
}

/** Everything that decides which rows a query's pages hold, and the row count `at`. */
function keyOf(userId: number, collection: string, query: BsoQuery, at: number): string | null {
  if (!query.sort || query.ids) return null;
  return JSON.stringify([
    userId,
    collection,
    query.sort,
    query.newer,
    query.older,
    query.indexAbove,
    query.indexBelow,
    query.parentid,
    query.predecessorid,
    at,
  ]);
}
