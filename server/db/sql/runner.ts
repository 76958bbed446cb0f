import type { Awaitable } from '../types.js';

/**
 * One connection inside one transaction, as the shared SQL classes see it. Statements use `?`
 * placeholders on every backend (the PostgreSQL runner numbers them). A synchronous driver
 * (better-sqlite3) answers directly, a networked one with a promise.
 */
export interface SqlRunner {
  /** Every row the statement returns, as plain objects keyed by column name. */
  all(sql: string, params?: readonly unknown[]): Awaitable<Record<string, unknown>[]>;
  /** Runs a statement; answers how many rows it changed. */
  run(sql: string, params?: readonly unknown[]): Awaitable<number>;
  /** Runs an INSERT into a table whose `id` the database assigns; answers the new id. */
  insertReturningId(sql: string, params?: readonly unknown[]): Awaitable<number>;
}

/** Where the three SQL dialects Foxden speaks differ, each as one small piece of text. */
export interface SqlDialect {
  /** Column that orders a user's records as first inserted (the default sort). */
  readonly insertionOrder: string;
  /**
   * Whether a write locks the user's storage_users row (keeping other writers of the user out,
   * on any node) and moves its change_seq (Database.userVersion). False for SQLite, where a
   * write transaction holds the whole file and one version covers it.
   */
  readonly versionedUsers: boolean;
  /** INSERT suffix that replaces the row on a conflict on `key`, taking `columns` from the new row. */
  upsert(key: readonly string[], columns: readonly string[]): string;
  /** INSERT suffix that leaves an existing row on a conflict on `key` as it is. */
  ignoreConflict(key: readonly string[]): string;
  /**
   * Whether record payloads are stored as UTF-8 bytes: PostgreSQL's text cannot hold U+0000,
   * which a client may send (as \u0000 in JSON).
   */
  readonly binaryPayload: boolean;
  /** A parameter compared with an integer column that may be fractional or infinite. */
  readonly floatParam: string;
  /** The larger of two SQL expressions. */
  greatest(a: string, b: string): string;
  /** ORDER BY term for `column` descending with NULLs last (SQLite and MySQL: NULL is smallest). */
  descNullsLast(column: string): string;
}

/** SQLite and PostgreSQL share the upsert syntax. */
function onConflictDialect(
  insertionOrder: string,
  versionedUsers: boolean,
  greatest: string,
  nullsLast: string,
  binaryPayload: boolean,
  floatParam: string,
): SqlDialect {
  return {
    binaryPayload,
    floatParam,
    descNullsLast: (column) => `${column} DESC${nullsLast}`,
    insertionOrder,
    versionedUsers,
    upsert: (key, columns) =>
      ` ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    ignoreConflict: (key) => ` ON CONFLICT (${key.join(', ')}) DO NOTHING`,
    greatest: (a, b) => `${greatest}(${a}, ${b})`,
  };
}

export const SQLITE_DIALECT = onConflictDialect('rowid', false, 'MAX', '', false, '?');
export const POSTGRES_DIALECT = onConflictDialect(
  'seq',
  true,
  'GREATEST',
  ' NULLS LAST',
  true,
  'CAST(? AS DOUBLE PRECISION)',
);
export const MYSQL_DIALECT: SqlDialect = {
  insertionOrder: 'seq',
  versionedUsers: true,
  binaryPayload: false,
  floatParam: '?',
  upsert: (_key, columns) =>
    ` ON DUPLICATE KEY UPDATE ${columns.map((c) => `${c} = VALUES(${c})`).join(', ')}`,
  ignoreConflict: (key) => ` ON DUPLICATE KEY UPDATE ${key[0]} = ${key[0]}`,
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  descNullsLast: (column) => `${column} DESC`,
};

/** The first row, or undefined. */
export async function firstRow(
  runner: SqlRunner,
  sql: string,
  params?: readonly unknown[],
): Promise<Record<string, unknown> | undefined> {
  return (await runner.all(sql, params))[0];
}

/** `?, ?, ?` for a list of n values. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** Ids per IN (...) list: well under every backend's bound-parameter limit. */
export const IN_LIST_MAX = 500;
