import mysql from 'mysql2/promise';
import type { Database } from '../types.js';
import { errorCode, NETWORK_CODES, plainReason } from '../sql/failure.js';
import {
  openNetworkDatabase,
  type FailureKind,
  type NetworkConnection,
  type NetworkDriver,
} from '../sql/network-database.js';
import { DEFAULT_POOL_SIZE, type NetworkDatabaseOptions } from '../sql/network-options.js';
import { MYSQL_DIALECT, type SqlRunner } from '../sql/runner.js';
import { MYSQL_MIGRATIONS } from './migrations.js';

const CONNECT_TIMEOUT_MS = 5000;
const MIGRATION_LOCK = 'foxden_migrate';
const MIGRATION_LOCK_WAIT_S = 60;

/** Error codes (mysql2's names) that mean the server is gone, refused us or is shutting down. */
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_CONNECTION_KILLED',
  'ECONNCLOSED',
]);

function classify(err: unknown): FailureKind {
  const code = errorCode(err);
  if (code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT') return 'retry';
  if (code !== undefined && (NETWORK_CODES.has(code) || UNAVAILABLE_CODES.has(code))) return 'unavailable';
  const fatal = (err as { fatal?: unknown } | null)?.fatal === true;
  return fatal ? 'unavailable' : 'other';
}

function describe(url: string): string {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.slice(1));
  return `MySQL/MariaDB at ${parsed.hostname || 'localhost'}:${parsed.port || 3306}, database ${database}`;
}

/** A result of a statement that returns no rows. */
interface ResultHeader {
  affectedRows: number;
  insertId: number;
}

function runnerFor(conn: mysql.PoolConnection): SqlRunner {
  return {
    async all(sql, params = []) {
      const [rows] = await conn.query(sql, params as unknown[]);
      return rows as Record<string, unknown>[];
    },
    async run(sql, params = []) {
      const [result] = await conn.query(sql, params as unknown[]);
      return (result as unknown as ResultHeader).affectedRows;
    },
    async insertReturningId(sql, params = []) {
      const [result] = await conn.query(sql, params as unknown[]);
      return Number((result as unknown as ResultHeader).insertId);
    },
  };
}

/** MySQL/MariaDB through mysql2: a pool of connections. */
class MysqlDriver implements NetworkDriver {
  readonly kind = 'mysql';
  readonly dialect = MYSQL_DIALECT;
  // The session default is REPEATABLE READ (set on each new connection): a read is one snapshot.
  readonly beginRead = ['START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY'];
  // Writes take the user's row lock first; READ COMMITTED then sees every earlier writer and
  // takes no gap locks, which would make writers of different users deadlock.
  readonly beginWrite = ['SET TRANSACTION ISOLATION LEVEL READ COMMITTED', 'START TRANSACTION'];
  readonly classify = classify;
  readonly where: string;
  private readonly pool: mysql.Pool;
  /** One wrapper per physical connection, so its Tx is built once (NetworkDatabase keys on it). */
  private readonly connections = new WeakMap<object, NetworkConnection>();

  constructor(url: string, poolSize: number) {
    this.where = describe(url);
    this.pool = mysql.createPool({
      uri: url,
      connectionLimit: poolSize,
      connectTimeout: CONNECT_TIMEOUT_MS,
      charset: 'UTF8MB4_BIN',
      supportBigNumbers: true,
      bigNumberStrings: false,
      decimalNumbers: true,
    });
  }

  async connect(): Promise<NetworkConnection> {
    const conn = await this.pool.getConnection();
    const known = this.connections.get(conn.connection);
    if (known) return known;
    try {
      // Once per physical connection: strict values and the isolation a read relies on.
      await conn.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'");
      await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    } catch (err) {
      conn.destroy();
      throw err;
    }
    const wrapped: NetworkConnection = {
      runner: runnerFor(conn),
      exec: async (sql) => {
        await conn.query(sql);
      },
      release: (broken) => (broken ? conn.destroy() : conn.release()),
    };
    this.connections.set(conn.connection, wrapped);
    return wrapped;
  }

  reason(err: unknown): string {
    return plainReason(err);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Table options with the binary, no-pad collation this server has. */
async function tableOptions(conn: NetworkConnection): Promise<string> {
  const rows = await conn.runner.all('SELECT VERSION() AS v');
  const mariadb = String(rows[0]?.v ?? '').includes('MariaDB');
  const collation = mariadb ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
  return `ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = ${collation}`;
}

/**
 * Opens (and migrates) a MySQL or MariaDB database. Any failure to reach or prepare it is one
 * line naming host, port and database with the server's reason.
 */
export function openMysql(url: string, options: NetworkDatabaseOptions = {}): Promise<Database> {
  return openNetworkDatabase(
    new MysqlDriver(url, options.poolSize ?? DEFAULT_POOL_SIZE),
    async (conn) => {
      const table = await tableOptions(conn);
      return {
        migrations: MYSQL_MIGRATIONS.map((step) => step.map((sql) => sql.replaceAll('{TABLE}', table))),
        lock: `SELECT GET_LOCK('${MIGRATION_LOCK}', ${MIGRATION_LOCK_WAIT_S})`,
        unlock: `SELECT RELEASE_LOCK('${MIGRATION_LOCK}')`,
        transactionalDdl: false,
      };
    },
    options,
  );
}
