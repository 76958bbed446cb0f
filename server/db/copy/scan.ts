import type { SqlRunner } from '../sql/runner.js';
import type { BackendKind, CopyTable } from './tables.js';

/** One row as read for the copy: the copied columns in the table's order, and its owner. */
export interface ScannedRow {
  readonly values: unknown[];
  /** The storage user the row belongs to, or null (account tables, orphans). */
  readonly owner: number | null;
}

export interface ScanLimits {
  /** Most rows one page may hold. */
  readonly maxRows: number;
  /** Rough bytes a page aims at: pages of large records hold fewer rows. */
  readonly targetBytes: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = { maxRows: 1000, targetBytes: 4 * 1024 * 1024 };

/** The first page is small: how big the rows are is not known yet (records reach 2 MB). */
const FIRST_PAGE_ROWS = 16;

/**
 * Reads a whole table page by page in the order of its key (keyset pagination: each page starts
 * after the last key seen, so every page is one index range, never an OFFSET), holding at most
 * one page at a time. Runs inside the caller's transaction, so every page comes from the same
 * snapshot.
 */
export async function* scanTable(
  runner: SqlRunner,
  kind: BackendKind,
  table: CopyTable,
  limits: ScanLimits = DEFAULT_SCAN_LIMITS,
): AsyncGenerator<ScannedRow[]> {
  const key = table.key(kind).map((column) => `t.${column}`);
  const select = [
    ...table.columns.map((column) => `t.${column} AS ${column}`),
    `${table.owner ?? 'NULL'} AS owner_`,
    ...key.map((column, i) => `${column} AS k_${i}`),
  ].join(', ');
  const from = `FROM ${table.name} t${table.join ? ` ${table.join}` : ''}`;
  const order = ` ORDER BY ${key.join(', ')} LIMIT ?`;
  const first = `SELECT ${select} ${from}${order}`;
  const next = `SELECT ${select} ${from} WHERE ${after(kind, key)}${order}`;
  let last: unknown[] | null = null;
  let rows = Math.min(FIRST_PAGE_ROWS, limits.maxRows);
  for (;;) {
    const page =
      last === null
        ? await runner.all(first, [rows])
        : await runner.all(next, [...afterParams(kind, last), rows]);
    if (page.length === 0) return;
    let bytes = 0;
    const out = page.map((row) => {
      const values = table.columns.map((column) => {
        const value = row[column];
        return table.utf8?.includes(column) && value instanceof Uint8Array
          ? Buffer.from(value).toString('utf8')
          : value;
      });
      for (const value of values) bytes += sizeOf(value);
      const owner = row.owner_;
      return { values, owner: owner === null || owner === undefined ? null : Number(owner) };
    });
    const end = page[page.length - 1] as Record<string, unknown>;
    last = key.map((_, i) => end[`k_${i}`]);
    const full = page.length === rows;
    yield out;
    if (!full) return;
    const perRow = Math.max(1, bytes / page.length);
    rows = Math.max(1, Math.min(limits.maxRows, Math.floor(limits.targetBytes / perRow)));
  }
}

/**
 * "Key after the last one seen". PostgreSQL and SQLite compare row values along an index;
 * MariaDB does not use an index for a row-value comparison, but does for the same condition
 * spelled out as a disjunction of ranges.
 */
function after(kind: BackendKind, key: readonly string[]): string {
  if (key.length === 1) return `${key[0]} > ?`;
  if (kind !== 'mysql') return `(${key.join(', ')}) > (${key.map(() => '?').join(', ')})`;
  return key
    .map((column, i) => `(${[...key.slice(0, i).map((c) => `${c} = ?`), `${column} > ?`].join(' AND ')})`)
    .join(' OR ');
}

function afterParams(kind: BackendKind, last: readonly unknown[]): unknown[] {
  if (last.length === 1 || kind !== 'mysql') return [...last];
  return last.flatMap((_, i) => last.slice(0, i + 1));
}

/** Rough in-memory size of a value, for sizing pages. */
export function sizeOf(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value instanceof Uint8Array) return value.byteLength;
  return 8;
}
