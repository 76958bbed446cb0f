import pg from 'pg';
import type { Database } from '../types.js';
import { errorCode, NETWORK_CODES, plainReason } from '../sql/failure.js';
import {
  openNetworkDatabase,
  type FailureKind,
  type NetworkConnection,
  type NetworkDriver,
} from '../sql/network-database.js';
import { DEFAULT_POOL_SIZE, type NetworkDatabaseOptions } from '../sql/network-options.js';
import { POSTGRES_DIALECT, type SqlRunner } from '../sql/runner.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';

/** Any fixed number: the advisory lock that lets one starting node migrate at a time. */
const MIGRATION_LOCK = 7_415_926;
const CONNECT_TIMEOUT_MS = 5000;

/** BIGINT (int8) and NUMERIC (SUM) as numbers: Foxden's values stay far below 2^53. */
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** `?` placeholders numbered as PostgreSQL wants them ($1, $2, …), each SQL text once. */
const numbered = new Map<string, string>();
function numberPlaceholders(sql: string): string {
  let text = numbered.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    if (numbered.size > 5000) numbered.clear();
    numbered.set(sql, text);
  }
  return text;
}

function runnerFor(client: pg.PoolClient): SqlRunner {
  return {
    async all(sql, params = []) {
      return (await client.query(numberPlaceholders(sql), params as unknown[])).rows as Record<
        string,
        unknown
      >[];
    },
    async run(sql, params = []) {
      return (await client.query(numberPlaceholders(sql), params as unknown[])).rowCount ?? 0;
    },
    async insertReturningId(sql, params = []) {
      const result = await client.query(`${numberPlaceholders(sql)} RETURNING id`, params as unknown[]);
      return Number((result.rows[0] as { id: number }).id);
    },
  };
}

/** SQLSTATEs that mean the server is gone, refused us or is shutting down. */
function unavailableState(code: string): boolean {
  return (
    code.startsWith('08') || // connection exception
    code === '57P01' || // admin shutdown
    code === '57P02' || // crash shutdown
    code === '57P03' || // cannot connect now
    code === '53300' || // too many connections
    code === '28P01' || // wrong password
    code === '28000' || // not allowed to log in
    code === '3D000' // no such database
  );
}

function classify(err: unknown): FailureKind {
  const code = errorCode(err);
  if (code === '40P01' || code === '40001') return 'retry';
  if (code !== undefined && (NETWORK_CODES.has(code) || unavailableState(code))) return 'unavailable';
  const message = err instanceof Error ? err.message : '';
  if (/Connection terminated|connection error|timeout exceeded when trying to connect/i.test(message)) {
    return 'unavailable';
  }
  return 'other';
}

function describe(url: string): string {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username);
  return `PostgreSQL at ${parsed.hostname || 'localhost'}:${parsed.port || 5432}, database ${database}`;
}

/** PostgreSQL through node-postgres: a pool of connections. */
class PostgresDriver implements NetworkDriver {
  readonly kind = 'postgres';
  readonly dialect = POSTGRES_DIALECT;
  readonly beginRead = ['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'];
  readonly beginWrite = ['BEGIN'];
  readonly classify = classify;
  readonly where: string;
  private readonly pool: pg.Pool;
  constructor(url: string, poolSize: number) {
    this.where = describe(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // Foxden's reads are small index lookups; a parallel plan, picked on stale statistics
      // right after a big upload, made a 10-row incremental GET 100 times slower (bench).
      options: '-c max_parallel_workers_per_gather=0',
      types,
    });
    // An idle connection the server dropped: the next checkout opens a new one.
    this.pool.on('error', () => undefined);
  }

  /** One wrapper per physical connection, so its Tx is built once (NetworkDatabase keys on it). */
  private readonly connections = new WeakMap<pg.PoolClient, NetworkConnection>();

  async connect(): Promise<NetworkConnection> {
    const client = await this.pool.connect();
    let conn = this.connections.get(client);
    if (!conn) {
      conn = {
        runner: runnerFor(client),
        exec: async (sql) => {
          await client.query(sql);
        },
        release: (broken) => client.release(broken),
      };
      this.connections.set(client, conn);
    }
    return conn;
  }

  reason(err: unknown): string {
    return plainReason(err);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * Opens (and migrates) a PostgreSQL database. Any failure to reach or prepare it is one line
 * naming host, port and database with the server's reason.
 */
export function openPostgres(url: string, options: NetworkDatabaseOptions = {}): Promise<Database> {
  return openNetworkDatabase(
    new PostgresDriver(url, options.poolSize ?? DEFAULT_POOL_SIZE),
    async () => ({
      migrations: POSTGRES_MIGRATIONS,
      lock: `SELECT pg_advisory_lock(${MIGRATION_LOCK})`,
      unlock: `SELECT pg_advisory_unlock(${MIGRATION_LOCK})`,
      transactionalDdl: true,
    }),
    options,
  );
}
