import type { Awaitable, Database, Tx, TxMode } from '../types.js';
import { openSqlite, ensurePrivateFile, type OpenSqliteOptions, type SqliteHandle } from './open.js';
import { StatementCache } from './statements.js';
import { SqliteStorage } from './storage-sqlite.js';
import { SqliteAccounts, SqliteOwners } from './accounts-sqlite.js';
import { SqliteTokenserver } from './tokenserver-sqlite.js';
import { SqliteFxa } from './fxa-sqlite.js';

/** Mixes the per-concern SQLite classes into the one Tx the engine sees. */
function composeTx(s: StatementCache): Tx {
  const parts: object[] = [
    new SqliteStorage(s),
    new SqliteOwners(s),
    new SqliteAccounts(s),
    new SqliteTokenserver(s),
    new SqliteFxa(s),
  ];
  const tx: Record<string, unknown> = {};
  for (const part of parts) {
    const proto = Object.getPrototypeOf(part) as object;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor') continue;
      const fn = (part as Record<string, unknown>)[name];
      if (typeof fn === 'function') tx[name] = fn.bind(part);
    }
  }
  return tx as unknown as Tx;
}

/**
 * The SQLite backend. better-sqlite3 is synchronous, but the Database interface is not, so a
 * transaction whose callback awaits could interleave with another on the one connection:
 * a queue makes transactions strictly one after another.
 */
export class SqliteDatabase implements Database {
  readonly kind = 'sqlite';
  private readonly tx: Tx;
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private closed = false;

  private constructor(
    private readonly db: SqliteHandle,
    readonly file: string,
  ) {
    this.tx = composeTx(new StatementCache(db));
  }

  static open(file: string, options: OpenSqliteOptions = {}): SqliteDatabase {
    return new SqliteDatabase(openSqlite(file, options), file);
  }

  transaction<T>(mode: TxMode, fn: (tx: Tx) => Awaitable<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('database is closed'));
    const start = () => this.run(mode, fn);
    // Queued plus running; zero means the connection is free and we can start at once.
    const result = this.pending === 0 ? start() : this.tail.then(start, start);
    this.pending++;
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    );
    return result;
  }

  private async run<T>(mode: TxMode, fn: (tx: Tx) => Awaitable<T>): Promise<T> {
    const write = mode === 'write';
    if (write) this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn(this.tx);
      if (write) this.db.exec('COMMIT');
      return result;
    } catch (err) {
      if (write && this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async integrityCheck(): Promise<string> {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  async backup(destination: string): Promise<void> {
    ensurePrivateFile(destination);
    await this.db.backup(destination);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail.catch(() => undefined);
    this.db.close();
  }
}
