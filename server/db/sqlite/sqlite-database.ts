import type BetterSqlite3 from 'better-sqlite3';
import type { Awaitable, Database, Tx, TxMode } from '../types.js';
import {
  BUSY_TIMEOUT_MS,
  openSqlite,
  ensurePrivateFile,
  refreshPlannerStatistics,
  type OpenSqliteOptions,
  type SqliteHandle,
} from './open.js';
import type { WriteOutcomeListener } from '../../storage-health.js';
import { StatementCache } from './statements.js';
import { composeTx } from '../sql/compose-tx.js';
import { SQLITE_DIALECT, type SqlDialect, type SqlRunner } from '../sql/runner.js';
import { sqliteRunner } from './sqlite-runner.js';

/** How often a long-running server refreshes the planner's statistics (open.ts). */
const OPTIMIZE_EVERY_MS = 6 * 60 * 60 * 1000;
/** PRAGMA auto_vacuum's answer for INCREMENTAL. */
const INCREMENTAL = 2;
/** Pages given back per compactStep (4 MB of 4 KB pages): a few milliseconds of work. */
const COMPACT_PAGES = 1024;

/**
 * The SQLite backend. better-sqlite3 is synchronous, but the Database interface is not, so a
 * transaction whose callback awaits could interleave with another on the one connection:
 * a queue makes transactions strictly one after another.
 */
export class SqliteDatabase implements Database {
  readonly kind = 'sqlite';
  private readonly tx: Tx;
  private readonly runner: SqlRunner;
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private closed = false;
  /** See changeVersion; starts at 1 so that no cache's initial state can match it. */
  private version = 1;
  /**
   * PRAGMA data_version answers differently from its previous answer on this connection
   * exactly when another connection has committed meanwhile; it never moves for this
   * connection's own commits, which `version` counts in `run`.
   */
  private readonly dataVersion: BetterSqlite3.Statement<[], number>;
  private lastDataVersion: number;
  /** Set once PRAGMA data_version was read in this event-loop turn. */
  private dataVersionFresh = false;
  /** PRAGMA optimize now and then, as SQLite advises for a connection that lives for days. */
  private readonly optimizeTimer: NodeJS.Timeout;

  private constructor(
    private readonly db: SqliteHandle,
    readonly file: string,
  ) {
    this.runner = sqliteRunner(new StatementCache(db));
    this.tx = composeTx(this.runner, SQLITE_DIALECT);
    this.dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.lastDataVersion = this.dataVersion.get() as number;
    this.optimizeTimer = setInterval(() => {
      // Queued like a transaction; milliseconds of work (analysis_limit), then out of the way.
      void this.enqueue(async () => {
        try {
          refreshPlannerStatistics(this.db, false);
        } catch {
          // A busy or full disk: the next round, or the next start, will do it.
        }
      });
    }, OPTIMIZE_EVERY_MS);
    this.optimizeTimer.unref();
  }

  static open(
    file: string,
    options: OpenSqliteOptions & { health?: WriteOutcomeListener } = {},
  ): SqliteDatabase {
    const db = new SqliteDatabase(openSqlite(file, options), file);
    db.health = options.health ?? null;
    return db;
  }

  /** Told how each write transaction ended, so a full disk shows on the dashboard. */
  private health: WriteOutcomeListener | null = null;

  transaction<T>(mode: TxMode, fn: (tx: Tx) => Awaitable<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('database is closed'));
    return this.enqueue(() => this.run(mode, fn));
  }

  /** Runs `start` when every transaction queued before it has ended. */
  private enqueue<T>(start: () => Promise<T>): Promise<T> {
    // Queued plus running; zero means the connection is free and we can start at once.
    const result = this.pending === 0 ? start() : this.tail.then(start, start);
    this.pending++;
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    );
    return result;
  }

  /** The same queue and transaction as `transaction`, with the plain runner (foxden db copy). */
  raw<T>(mode: TxMode, fn: (runner: SqlRunner, dialect: SqlDialect) => Promise<T>): Promise<T> {
    return this.transaction(mode, () => fn(this.runner, SQLITE_DIALECT));
  }

  /** One version for the whole file: a write of any user moves every user's. */
  userVersion(): number {
    return this.changeVersion();
  }

  changeVersion(): number {
    // A closed connection cannot tell: never let a cache answer for it.
    if (this.closed) return ++this.version;
    // Other processes' commits are looked for once per event-loop turn: a request asks several
    // times, and a commit noticed a turn later is no staler than one made just after the read
    // (callers read the version before the data, so a late notice only causes a refresh).
    if (this.dataVersionFresh) return this.version;
    const seen = this.dataVersion.get() as number;
    this.dataVersionFresh = true;
    setImmediate(() => {
      this.dataVersionFresh = false;
    });
    if (seen !== this.lastDataVersion) {
      this.lastDataVersion = seen;
      this.version++;
    }
    return this.version;
  }

  private async run<T>(mode: TxMode, fn: (tx: Tx) => Awaitable<T>): Promise<T> {
    const write = mode === 'write';
    if (!write) return this.read(fn);
    // Counted when the write starts and again when it ends (committed or not), so a version
    // read while it was under way never matches one read after it.
    this.version++;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn(this.tx);
      this.db.exec('COMMIT');
      this.health?.writeSucceeded();
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.health?.writeFailed(err);
      throw err;
    } finally {
      this.version++;
    }
  }

  /**
   * A read is one snapshot: in WAL mode a deferred BEGIN holds the read mark from its first
   * statement to COMMIT, so a commit by another connection (the CLI) cannot show half-way.
   */
  private async read<T>(fn: (tx: Tx) => Awaitable<T>): Promise<T> {
    this.db.exec('BEGIN');
    try {
      return await fn(this.tx);
    } finally {
      if (this.db.inTransaction) this.db.exec('COMMIT');
    }
  }

  async integrityCheck(): Promise<string> {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  /**
   * One step of giving back the space large deletes freed: an incremental vacuum of at most
   * COMPACT_PAGES pages (a database created with auto_vacuum=INCREMENTAL, see open.ts), then,
   * once the free list is empty, a checkpoint that truncates the WAL. Never waits for another
   * process's reader: a checkpoint it would have to wait for is left to a later one.
   */
  compactStep(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return this.enqueue(async () => {
      const free = this.db.pragma('freelist_count', { simple: true }) as number;
      if (free > 0 && this.db.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) {
        this.version++;
        this.db.pragma(`incremental_vacuum(${COMPACT_PAGES})`);
        if (free > COMPACT_PAGES) return true;
      }
      this.db.pragma('busy_timeout = 0');
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      }
      return false;
    });
  }

  async backup(destination: string): Promise<void> {
    ensurePrivateFile(destination);
    await this.db.backup(destination);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.optimizeTimer);
    await this.tail.catch(() => undefined);
    try {
      // Statistics for the next start, from what this run's queries saw (SQLite's advice).
      refreshPlannerStatistics(this.db, false);
    } catch {
      // A read-only or full disk: the statistics can wait; closing must not.
    }
    this.db.close();
  }
}
