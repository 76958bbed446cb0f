import type { Awaitable, Database, Tx, TxMode } from '../types.js';
import { DatabaseUnavailableError, SchemaTooNewError } from '../errors.js';
import { plainReason } from './failure.js';
import { migrate, type MigrationPlan } from './migrate.js';
import { composeTx } from './compose-tx.js';
import type { NetworkDatabaseOptions } from './network-options.js';
import type { SqlDialect, SqlRunner } from './runner.js';

/** One pooled connection, as the shared networked backend needs it. */
export interface NetworkConnection {
  readonly runner: SqlRunner;
  /** Runs a statement without parameters (BEGIN, COMMIT, …). */
  exec(sql: string): Promise<void>;
  /** Back to the pool; `broken` drops it instead (after a lost connection). */
  release(broken: boolean): void;
}

/** How a failed statement should be handled. */
export type FailureKind =
  /** The server is gone or refused us: 503 and try again later. */
  | 'unavailable'
  /** A deadlock or serialization failure: the whole transaction may simply run again. */
  | 'retry'
  /** Anything else: a bug or bad data, passed on as it is. */
  | 'other';

/** What PostgreSQL and MySQL/MariaDB each supply to the one networked Database. */
export interface NetworkDriver {
  readonly kind: 'postgres' | 'mysql';
  readonly dialect: SqlDialect;
  /** `PostgreSQL at 127.0.0.1:5432, database foxden`, for messages (no password). */
  readonly where: string;
  connect(): Promise<NetworkConnection>;
  /** Statements that open a read (one consistent snapshot) or a write transaction. */
  readonly beginRead: readonly string[];
  readonly beginWrite: readonly string[];
  classify(err: unknown): FailureKind;
  /** One line for an 'unavailable' failure: the server's own reason. */
  reason(err: unknown): string;
  close(): Promise<void>;
}

/** A deadlocked or serialization-failed transaction runs again at most this often. */
const MAX_ATTEMPTS = 4;

/**
 * PostgreSQL and MySQL/MariaDB as one Database: a pool of connections, each transaction on
 * one of them, the per-user lock inside the database (StorageTx.lockStorageUser), reads in
 * one snapshot, deadlocks retried, and a lost server turned into DatabaseUnavailableError.
 */
export class NetworkDatabase implements Database {
  readonly kind: string;
  private closed = false;
  /** Answered by changeVersion, a new value on every call. */
  private localVersion = 1;
  private readonly txs = new WeakMap<NetworkConnection, Tx>();

  constructor(
    private readonly driver: NetworkDriver,
    private readonly options: NetworkDatabaseOptions = {},
  ) {
    this.kind = driver.kind;
  }

  /** Where the data lives, for messages and the dashboard (never with a password). */
  get where(): string {
    return this.driver.where;
  }

  transaction<T>(mode: TxMode, fn: (tx: Tx) => Awaitable<T>): Promise<T> {
    return this.run(mode, (conn) => fn(this.txFor(conn)));
  }

  /** The same transaction as `transaction`, with the connection's plain runner (foxden db copy). */
  raw<T>(mode: TxMode, fn: (runner: SqlRunner, dialect: SqlDialect) => Promise<T>): Promise<T> {
    return this.run(mode, (conn) => fn(conn.runner, this.driver.dialect));
  }

  private async run<T>(mode: TxMode, fn: (conn: NetworkConnection) => Awaitable<T>): Promise<T> {
    if (this.closed) throw new Error('database is closed');
    const write = mode === 'write';
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.attempt(write, fn);
        if (write) this.options.health?.writeSucceeded();
        return result;
      } catch (err) {
        const kind = this.driver.classify(err);
        if (kind === 'retry' && attempt < MAX_ATTEMPTS) continue;
        if (write) this.options.health?.writeFailed(err);
        throw this.asUnavailable(err);
      }
    }
  }

  private async attempt<T>(write: boolean, fn: (conn: NetworkConnection) => Awaitable<T>): Promise<T> {
    const conn = await this.driver.connect();
    let broken = false;
    try {
      for (const sql of write ? this.driver.beginWrite : this.driver.beginRead) await conn.exec(sql);
      let result: T;
      try {
        result = await fn(conn);
        await conn.exec('COMMIT');
      } catch (err) {
        await conn.exec('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      }
      return result;
    } catch (err) {
      if (this.driver.classify(err) === 'unavailable') broken = true;
      throw err;
    } finally {
      conn.release(broken);
    }
  }

  private txFor(conn: NetworkConnection): Tx {
    let tx = this.txs.get(conn);
    if (!tx) {
      tx = composeTx(conn.runner, this.driver.dialect);
      this.txs.set(conn, tx);
    }
    return tx;
  }

  /**
   * Other nodes' commits are not seen here, so there is no whole-database version: every
   * call answers a new one, and caches keyed on it never answer (see userVersion).
   */
  changeVersion(): number {
    return ++this.localVersion;
  }

  /**
   * The user's row version (storage_users.change_seq, moved by every write of the user's
   * data in the same transaction): one statement on its own, without BEGIN, since a single
   * statement is always one snapshot.
   */
  async userVersion(userId?: number): Promise<number | null> {
    if (userId === undefined || this.closed) return null;
    const conn = await this.connectOrUnavailable();
    let broken = false;
    try {
      const rows = await conn.runner.all('SELECT change_seq FROM storage_users WHERE id = ?', [userId]);
      return rows.length === 0 ? null : Number(rows[0]?.change_seq);
    } catch (err) {
      broken = this.driver.classify(err) === 'unavailable';
      throw this.asUnavailable(err);
    } finally {
      conn.release(broken);
    }
  }

  private async connectOrUnavailable(): Promise<NetworkConnection> {
    try {
      return await this.driver.connect();
    } catch (err) {
      throw this.asUnavailable(err);
    }
  }

  /** A lost or refusing server as DatabaseUnavailableError; anything else unchanged. */
  private asUnavailable(err: unknown): unknown {
    return this.driver.classify(err) === 'unavailable'
      ? new DatabaseUnavailableError(`${this.driver.where}: ${this.driver.reason(err)}`)
      : err;
  }

  async integrityCheck(): Promise<string> {
    await this.transaction('read', (tx) => tx.storageUserKind(0));
    return 'ok';
  }

  /**
   * A backup is an SQLite file (the portable format every backend restores from): a verified
   * copy of everything out of one read transaction (foxden db copy's engine).
   */
  async backup(destination: string): Promise<void> {
    // Loaded when asked for: serving never needs the copy engine or the SQLite backend.
    const [{ copyDatabase }, { SqliteDatabase }] = await Promise.all([
      import('../copy/copy-database.js'),
      import('../sqlite/sqlite-database.js'),
    ]);
    const { nativeBinding } = this.options;
    const file = SqliteDatabase.open(destination, nativeBinding ? { nativeBinding } : {});
    try {
      await copyDatabase(this, file);
    } finally {
      await file.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.driver.close();
  }
}

/**
 * Opens a database server through `driver`: one connection brings the schema up to date (the
 * plan may look at that connection first, e.g. for the server's version), then the pool
 * serves. Any failure to reach or prepare it is one line naming host, port and database with
 * the server's reason, and closes the pool.
 */
export async function openNetworkDatabase(
  driver: NetworkDriver,
  planFor: (conn: NetworkConnection) => Promise<Omit<MigrationPlan, 'where'>>,
  options: NetworkDatabaseOptions,
): Promise<NetworkDatabase> {
  try {
    const conn = await driver.connect();
    let broken = false;
    try {
      await migrate(conn, { ...(await planFor(conn)), where: driver.where });
    } catch (err) {
      broken = true;
      throw err;
    } finally {
      conn.release(broken);
    }
  } catch (err) {
    await driver.close().catch(() => undefined);
    if (err instanceof SchemaTooNewError) throw err;
    throw new DatabaseUnavailableError(`Cannot open ${driver.where}: ${plainReason(err)}`);
  }
  return new NetworkDatabase(driver, options);
}
