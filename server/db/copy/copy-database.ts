import type { Database, TxMode } from '../types.js';
import { firstRow, placeholders, type SqlDialect, type SqlRunner } from '../sql/runner.js';
import { CopyChecksums } from './digest.js';
import { advanceIdentities, storageUserHighWater } from './identity.js';
import { DEFAULT_SCAN_LIMITS, scanTable, sizeOf, type ScannedRow, type ScanLimits } from './scan.js';
import { BSOS, COPY_TABLES, DATA_TABLES, STORAGE_USERS, type BackendKind, type CopyTable } from './tables.js';

/** Rows and bytes per multi-row INSERT: below every backend's parameter and packet limits. */
const INSERT_MAX_ROWS = 100;
const INSERT_MAX_BYTES = 4 * 1024 * 1024;

/** A copy that must not go ahead or did not verify; the message is one plain line. */
export class CopyError extends Error {
  constructor(
    message: string,
    readonly reason: 'not-empty' | 'mismatch' | 'unsupported',
  ) {
    super(message);
    this.name = 'CopyError';
  }
}

export interface CopyOptions {
  /** Empty a target that holds data first (in the same transaction) instead of refusing it. */
  replace?: boolean;
  /** Page sizes of the reads (tests make them small). */
  limits?: ScanLimits;
  /** Told each table's row count as soon as it is copied (and awaited). */
  onTable?: (table: string, rows: number) => void | Promise<void>;
  /**
   * Runs on the target inside the write transaction after the copy and before it is verified:
   * for tests, to prove that a target which differs is caught.
   */
  beforeVerify?: (runner: SqlRunner, dialect: SqlDialect) => Promise<void>;
}

export interface CopyResult {
  tables: { name: string; rows: number }[];
  /** Storage users (every Sync 1.1, Sync 1.5 and local-account user owns one). */
  users: number;
  records: number;
  /** The most rows any one read held at once (memory stays bounded by a page). */
  largestPage: number;
}

/**
 * Copies every table of `source` into `target`, out of one read transaction on the source
 * (one consistent snapshot) into one write transaction on the target, parents before
 * children, page by page. Before COMMIT the target is read back and compared with the
 * source: row counts per table and a checksum per storage user and per account table. Any
 * difference, a target that already holds data (without `replace`) or any failure rolls the
 * target back to exactly what it was.
 */
export async function copyDatabase(
  source: Database,
  target: Database,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const from = backend(source);
  const to = backend(target);
  const limits = options.limits ?? DEFAULT_SCAN_LIMITS;
  return from.raw('read', (src) =>
    to.raw('write', async (dst, dstDialect) => {
      await prepareTarget(dst, options.replace === true);
      const copied = new CopyChecksums();
      let largestPage = 0;
      for (const table of COPY_TABLES) {
        for await (const page of scanTable(src, from.kind, table, limits)) {
          largestPage = Math.max(largestPage, page.length);
          copied.add(table, page);
          await insertRows(dst, table, page, dstDialect);
        }
        await options.onTable?.(table.name, copied.rows(table.name));
      }
      const highWater = await storageUserHighWater(src, from.kind);

      await options.beforeVerify?.(dst, dstDialect);
      const found = new CopyChecksums();
      for (const table of COPY_TABLES) {
        for await (const page of scanTable(dst, to.kind, table, limits)) found.add(table, page);
      }
      const difference = copied.difference(
        found,
        COPY_TABLES.map((t) => t.name),
      );
      if (difference !== null) {
        throw new CopyError(
          `The copy did not verify: ${difference}; the target was left as it was.`,
          'mismatch',
        );
      }

      await advanceIdentities(dst, to.kind, highWater);
      return {
        tables: COPY_TABLES.map((t) => ({ name: t.name, rows: copied.rows(t.name) })),
        users: copied.rows(STORAGE_USERS),
        records: copied.rows(BSOS),
        largestPage,
      };
    }),
  );
}

interface Backend {
  kind: BackendKind;
  raw<T>(mode: TxMode, fn: (runner: SqlRunner, dialect: SqlDialect) => Promise<T>): Promise<T>;
}

function backend(db: Database): Backend {
  const kind = db.kind;
  if ((kind !== 'sqlite' && kind !== 'postgres' && kind !== 'mysql') || db.raw === undefined) {
    throw new CopyError(`Databases of kind "${kind}" cannot be copied.`, 'unsupported');
  }
  return { kind, raw: db.raw.bind(db) };
}

/**
 * Refuses a target that holds data unless `replace`; then empties every table, children
 * first, so the target ends as the source is (the collections its migrations seeded too).
 */
async function prepareTarget(dst: SqlRunner, replace: boolean): Promise<void> {
  if (!replace) {
    for (const table of DATA_TABLES) {
      if (await firstRow(dst, `SELECT 1 AS x FROM ${table} LIMIT 1`)) {
        throw new CopyError(
          `The target already holds Foxden data (${table} is not empty); add --replace to replace all of it.`,
          'not-empty',
        );
      }
    }
  }
  for (const table of [...COPY_TABLES].reverse()) await dst.run(`DELETE FROM ${table.name}`);
}

/** Multi-row INSERTs bounded in rows and bytes; the target numbers records in arrival order. */
async function insertRows(
  dst: SqlRunner,
  table: CopyTable,
  rows: readonly ScannedRow[],
  dialect: SqlDialect,
): Promise<void> {
  const row = `(${placeholders(table.columns.length)})`;
  const asBytes = dialect.binaryPayload
    ? table.columns.map((column) => table.utf8?.includes(column) === true)
    : null;
  const head = `INSERT INTO ${table.name} (${table.columns.join(', ')}) VALUES `;
  let params: unknown[] = [];
  let count = 0;
  let bytes = 0;
  const flush = async () => {
    if (count === 0) return;
    await dst.run(head + Array.from({ length: count }, () => row).join(', '), params);
    params = [];
    count = 0;
    bytes = 0;
  };
  for (const { values } of rows) {
    const size = values.reduce<number>((sum, value) => sum + sizeOf(value), 0);
    if (count === INSERT_MAX_ROWS || (count > 0 && bytes + size > INSERT_MAX_BYTES)) await flush();
    params.push(
      ...(asBytes
        ? values.map((value, i) =>
            asBytes[i] && typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
          )
        : values),
    );
    count++;
    bytes += size;
  }
  await flush();
}
