import type { SqliteHandle } from './open.js';
import type BetterSqlite3 from 'better-sqlite3';

/** Prepares each distinct SQL text once; queries built from filters reuse their statement. */
export class StatementCache {
  private readonly cache = new Map<string, BetterSqlite3.Statement>();
  constructor(private readonly db: SqliteHandle) {}

  get(sql: string): BetterSqlite3.Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }
}
