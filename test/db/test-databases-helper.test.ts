// The throwaway databases of test/helpers/databases.ts: brand-new, empty, and gone after
// cleanup even when a test left a connection open on them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { databaseProblem, freshDatabase } from '../helpers/databases.js';

const postgresDown = await databaseProblem('postgres');
const mysqlDown = await databaseProblem('mysql');

test(
  'PostgreSQL: a fresh database is empty, and cleanup drops it despite an open session',
  { skip: postgresDown ?? false },
  async () => {
    const fresh = await freshDatabase('postgres');
    assert.equal(fresh.location.kind, 'postgres');
    if (fresh.location.kind !== 'postgres') return;
    assert.ok(!fresh.location.display.includes(':foxden_test@'), fresh.location.display);
    const left = new pg.Client({ connectionString: fresh.location.url });
    left.on('error', () => {});
    await left.connect();
    const tables = await left.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
    assert.equal(tables.rows[0].n, 0);
    await fresh.cleanup();
    await fresh.cleanup();
    await left.end().catch(() => {});
    const again = new pg.Client({ connectionString: fresh.location.url });
    again.on('error', () => {});
    await assert.rejects(again.connect(), (err: { code?: string }) => err.code === '3D000');
  },
);

test(
  'MariaDB: a fresh database is empty, and cleanup drops it despite an open connection',
  { skip: mysqlDown ?? false },
  async () => {
    const fresh = await freshDatabase('mysql');
    assert.equal(fresh.location.kind, 'mysql');
    if (fresh.location.kind !== 'mysql') return;
    const left = await mysql.createConnection({ uri: fresh.location.url });
    const [rows] = await left.query('SHOW TABLES');
    assert.deepEqual(rows, []);
    await fresh.cleanup();
    await left.end().catch(() => {});
    await assert.rejects(
      mysql.createConnection({ uri: fresh.location.url }),
      (err: { errno?: number }) => err.errno === 1049,
    );
  },
);
