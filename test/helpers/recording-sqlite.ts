import { SQLITE_DIALECT, type SqlRunner } from '../../server/db/sql/runner.js';
import { SqlStorage } from '../../server/db/sql/storage.js';
import type { SqliteHandle } from '../../server/db/sqlite/open.js';

export interface RecordedStatement {
  sql: string;
  params: readonly unknown[];
}

/**
 * SqlStorage on a SQLite handle (opened later, hence the getter) that records the statements it
 * runs, and SQLite's plan for any of them: for tests that pin which index a statement uses.
 */
export function recordingSqliteStorage(db: () => SqliteHandle) {
  let seen: RecordedStatement[] = [];
  const runner: SqlRunner = {
    all(sql, params = []) {
      seen.push({ sql, params });
      return db()
        .prepare(sql)
        .all(...params) as Record<string, unknown>[];
    },
    run(sql, params = []) {
      seen.push({ sql, params });
      return db()
        .prepare(sql)
        .run(...params).changes;
    },
    insertReturningId(sql, params = []) {
      return Number(
        db()
          .prepare(sql)
          .run(...params).lastInsertRowid,
      );
    },
  };
  return {
    storage: new SqlStorage(runner, SQLITE_DIALECT),
    /** The statements `fn` ran, in order. */
    async statementsOf(fn: () => Promise<unknown>): Promise<RecordedStatement[]> {
      seen = [];
      await fn();
      return seen;
    },
    /** EXPLAIN QUERY PLAN of one statement, one line per step. */
    planOf(statement: RecordedStatement): string {
      return (
        db()
          .prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
          .all(...statement.params) as { detail: string }[]
      )
        .map((step) => step.detail)
        .join('\n');
    },
  };
}
