import type { Awaitable, Database, Tx, TxMode } from '../types.js';
import { DatabaseUnavailableError } from '../errors.js';
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
  /** Run just before COMMIT of a write (PostgreSQL: NOTIFY the other nodes). */
  readonly beforeCommit: readonly string[];
  classify(err: unknown): FailureKind;
  /** One line for an 'unavailable' failure: the server's own reason. */
  reason(err: unknown): string;
  /**
   * Grows whenever another node may have committed (see Database.changeVersion); null when
   * the driver cannot tell, which turns caches off.
   */
  remoteVersion(): number | null;
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
  /** Own writes move it at their start and end, as in the SQLite backend. */
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
    if (write) this.localVersion++;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await this.attempt(write, fn);
          if (write) this.options.health?.writeSucceeded();
          return result;
        } catch (err) {
          const kind = this.driver.classify(err);
          if (kind === 'retry' && attempt < MAX_ATTEMPTS) continue;
          if (write) this.options.health?.writeFailed(err);
          if (kind === 'unavailable') {
            throw new DatabaseUnavailableError(`${this.driver.where}: ${this.driver.reason(err)}`);
          }
          throw err;
        }
      }
    } finally {
      if (write) this.localVersion++;
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
        for (const sql of write ? this.driver.beforeCommit : []) await conn.exec(sql);
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

  changeVersion(): number {
    const remote = this.driver.remoteVersion();
    // Not told of other nodes' writes: every call is a new version, so no cache answers.
    if (remote === null || this.closed) return ++this.localVersion * 2 ** 20;
    // Both only grow; a weighted sum moves whenever either does.
    return this.localVersion * 2 ** 20 + remote;
  }

  async integrityCheck(): Promise<string> {
    await this.transaction('read', (tx) => tx.storageUserKind(0));
    return 'ok';
  }

  backup(): Promise<void> {
    return Promise.reject(
      new Error(`Backups of ${this.driver.where} are made with foxden db copy (to an SQLite file).`),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.driver.close();
  }
}
