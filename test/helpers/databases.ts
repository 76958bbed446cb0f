import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseLocation } from '../../server/db/database-url.js';

/**
 * Throwaway databases for tests, one brand-new empty database per call, on the servers
 * scripts/test-databases.sh starts on loopback. FOXDEN_TEST_POSTGRES_URL and
 * FOXDEN_TEST_MYSQL_URL name other admin URLs (a user that may create and drop databases
 * whose names start with foxden_test).
 */
export type TestDatabaseKind = DatabaseLocation['kind'];

export const TEST_DATABASE_KINDS: readonly TestDatabaseKind[] = ['sqlite', 'postgres', 'mysql'];

const DEFAULT_ADMIN_URL = {
  postgres: 'postgresql://foxden_test:foxden_test@127.0.0.1:5432/postgres',
  mysql: 'mysql://foxden_test:foxden_test@127.0.0.1:3306/',
} as const;

/** How long a probe waits for a database server that does not answer. */
const CONNECT_TIMEOUT_MS = 3000;

export function adminUrl(kind: 'postgres' | 'mysql'): string {
  const env = kind === 'postgres' ? process.env.FOXDEN_TEST_POSTGRES_URL : process.env.FOXDEN_TEST_MYSQL_URL;
  return env || DEFAULT_ADMIN_URL[kind];
}

/** The backend the protocol suite runs on: FOXDEN_TEST_DATABASE=sqlite|postgres|mysql (default sqlite). */
export function testDatabaseKind(): TestDatabaseKind {
  const value = (process.env.FOXDEN_TEST_DATABASE ?? '').trim().toLowerCase() || 'sqlite';
  if (!(TEST_DATABASE_KINDS as readonly string[]).includes(value)) {
    throw new Error(`FOXDEN_TEST_DATABASE must be sqlite, postgres or mysql, not "${value}".`);
  }
  return value as TestDatabaseKind;
}

export interface FreshDatabase {
  location: DatabaseLocation;
  /** Drops the database (or deletes the file); safe to call twice. */
  cleanup(): Promise<void>;
}

/** A brand-new empty database of the kind; PostgreSQL ~25 ms, MariaDB ~2 ms, SQLite ~0. */
export async function freshDatabase(kind: TestDatabaseKind): Promise<FreshDatabase> {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-db-'));
    return {
      location: { kind, file: path.join(dir, 'data', 'foxden.db') },
      async cleanup() {
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  // Lower-case letters, digits and '_' only: the name goes into SQL unquoted-safe.
  const name = `foxden_test_${Date.now().toString(36)}_${crypto.randomBytes(5).toString('hex')}`;
  const admin = adminUrl(kind);
  await adminQuery(kind, admin, [`CREATE DATABASE ${name}`]);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const shown = new URL(url.href);
  shown.password = '';
  let dropped = false;
  return {
    location: { kind, url: url.href, display: shown.href },
    async cleanup() {
      if (dropped) return;
      dropped = true;
      if (kind === 'mysql') return adminQuery(kind, admin, [`DROP DATABASE IF EXISTS ${name}`]);
      await dropPostgres(admin, name);
    },
  };
}

/**
 * A plain DROP DATABASE first: it stops an autovacuum worker busy on the new database itself,
 * where WITH (FORCE) would refuse to (the worker is no session of ours: error 42501). FORCE
 * only when sessions are still open (55006), i.e. a test that failed half-way left a pool.
 */
async function dropPostgres(admin: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await adminQuery('postgres', admin, [`DROP DATABASE IF EXISTS ${name}`]);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 5 || (code !== '55006' && code !== '42501')) throw err;
      if (code === '55006') {
        try {
          await adminQuery('postgres', admin, [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
          return;
        } catch {
          // An autovacuum worker came back meanwhile: the plain DROP again, after a pause.
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** Null when the kind's test server answers with the admin URL's credentials, else why not (one line). */
export async function databaseProblem(kind: TestDatabaseKind): Promise<string | null> {
  if (kind === 'sqlite') return null;
  try {
    await adminQuery(kind, adminUrl(kind), ['SELECT 1']);
    return null;
  } catch (err) {
    const shown = new URL(adminUrl(kind));
    shown.password = '';
    const reason = err instanceof Error ? err.message || (err as NodeJS.ErrnoException).code : String(err);
    return `${shown.href} does not answer (${String(reason).split('\n')[0]}); start it with: sudo bash scripts/test-databases.sh`;
  }
}

/** Runs statements on one short-lived admin connection (no pool keeps the test process alive). */
async function adminQuery(
  kind: 'postgres' | 'mysql',
  url: string,
  statements: readonly string[],
): Promise<void> {
  if (kind === 'postgres') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    // An 'error' event without a listener would crash the test process after a failed connect.
    client.on('error', () => {});
    try {
      await client.connect();
      for (const sql of statements) await client.query(sql);
    } finally {
      await client.end().catch(() => {});
    }
    return;
  }
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection({ uri: url, connectTimeout: CONNECT_TIMEOUT_MS });
  try {
    for (const sql of statements) await connection.query(sql);
  } finally {
    await connection.end().catch(() => {});
  }
}
