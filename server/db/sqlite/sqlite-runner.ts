import type { SqlRunner } from '../sql/runner.js';
import type { StatementCache } from './statements.js';

/** The shared SQL classes over better-sqlite3: synchronous answers, each SQL text prepared once. */
export function sqliteRunner(s: StatementCache): SqlRunner {
  return {
    all: (sql, params = []) => s.get(sql).all(...params) as Record<string, unknown>[],
    run: (sql, params = []) => s.get(sql).run(...params).changes,
    insertReturningId: (sql, params = []) => Number(s.get(sql).run(...params).lastInsertRowid),
  };
}
