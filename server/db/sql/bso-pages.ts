import type { BsoQuery, PageCursor, QueryResult, SortOrder, StoredBso } from '../records.js';

/**
 * Keyset paging over the record orders (issue 11 #19). Each sort is total (id breaks ties,
 * ascending) and has an index in that exact order (migrations: bsos_modified, bsos_newest,
 * bsos_sortindex), so a page that starts after a cursor is one index seek plus its own rows.
 * Row comparisons are spelled `a <= ? AND (a < ? OR id > ?)`: the first term is the index
 * range every backend's planner understands, the rest drops the ties already served.
 */
export function seekFor(sort: SortOrder, after: PageCursor, params: unknown[]): string {
  if (sort === 'index' && after.value === null) {
    // NULL sorts last: only the NULL rows past the id are left.
    params.push(after.id);
    return ' AND sortindex IS NULL AND id > ?';
  }
  const column = sort === 'index' ? 'sortindex' : 'modified_ms';
  const [inclusive, strict] = sort === 'oldest' ? ['>=', '>'] : ['<=', '<'];
  params.push(after.value, after.value, after.id);
  return ` AND ${column} ${inclusive} ? AND (${column} ${strict} ? OR id > ?)`;
}

/**
 * sort=index after a row with a sortindex: the rows with a smaller one come first, then those
 * without one (NULL sorts last), which no range on the same index reaches; a second SELECT,
 * ordered by id alone (among NULLs that is the sort's order; MariaDB sorts otherwise).
 */
export const NULL_SORTINDEX = ' AND sortindex IS NULL ORDER BY id ASC';

/** A row with its insertion position (rowid / seq), the order when no sort is asked for. */
export interface PlacedBso {
  bso: StoredBso;
  pos: number;
}

/**
 * Ids compare as the backends order them: by code point, which is UTF-8's byte order (SQLite's
 * BINARY, PostgreSQL's "C", MariaDB's utf8mb4_nopad_bin, MySQL's utf8mb4_0900_bin). JavaScript's
 * `<` compares UTF-16 code units, which differs from that for one pair only: a character
 * outside the BMP (a surrogate pair, 0xD800-0xDFFF) against one of U+E000-U+FFFF, so those
 * two ranges swap here. Sync 1.1 takes any id; Sync 1.5's are ASCII and never get that far.
 */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x < 0xd800 || y < 0xd800 ? x - y : codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** A code unit of 0xD800 and over, ranked so that surrogates come after U+E000-U+FFFF. */
function codePointRank(unit: number): number {
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

/** JavaScript's spelling of orderFor's ORDER BY, for rows fetched by primary key. */
function compareIn(sort: SortOrder | undefined): (a: PlacedBso, b: PlacedBso) => number {
  switch (sort) {
    case 'oldest':
      return (a, b) => a.bso.modified - b.bso.modified || compareIds(a.bso.id, b.bso.id);
    case 'newest':
      return (a, b) => b.bso.modified - a.bso.modified || compareIds(a.bso.id, b.bso.id);
    case 'index':
      return (a, b) => {
        const x = a.bso.sortindex;
        const y = b.bso.sortindex;
        if (x !== y) {
          if (x === null) return 1;
          if (y === null) return -1;
          return y - x;
        }
        return compareIds(a.bso.id, b.bso.id);
      };
    default:
      return (a, b) => a.pos - b.pos;
  }
}

/** Where `after` stands in `sort`'s order, as a row compareIn can place (it reads only these fields). */
function cursorRow(after: PageCursor): PlacedBso {
  const bso = { id: after.id, modified: after.value ?? 0, sortindex: after.value } as StoredBso;
  return { bso, pos: 0 };
}

/**
 * The page of `query` among rows already fetched (by primary key: an `ids` query reads at most
 * its ids, so sorting them here is cheaper than any plan that walks the collection in order).
 */
export function pageInMemory(rows: PlacedBso[], query: BsoQuery): QueryResult {
  const compare = compareIn(query.sort);
  rows.sort(compare);
  let chosen = rows;
  if (query.after && query.sort) {
    const cursor = cursorRow(query.after);
    chosen = rows.filter((row) => compare(row, cursor) > 0);
  } else if (query.offset) {
    chosen = rows.slice(query.offset);
  }
  const more = query.limit !== undefined && chosen.length > query.limit;
  if (query.limit !== undefined) chosen = chosen.slice(0, query.limit);
  return { items: chosen.map((row) => row.bso), more };
}
