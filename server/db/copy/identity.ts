import { firstRow, type SqlRunner } from '../sql/runner.js';
import { COLLECTIONS, STORAGE_USERS, type BackendKind } from './tables.js';

/**
 * The highest storage user id the source has ever handed out, deleted users included: a
 * Sync 1.5 client may still hold a token for a deleted uid, so the target must not give that
 * uid to someone new. SQLite's AUTOINCREMENT keeps it in sqlite_sequence, PostgreSQL in the
 * identity's sequence, MySQL/MariaDB as the table's next AUTO_INCREMENT value.
 */
export async function storageUserHighWater(runner: SqlRunner, kind: BackendKind): Promise<number> {
  const max = Number((await firstRow(runner, `SELECT MAX(id) AS m FROM ${STORAGE_USERS}`))?.m ?? 0);
  let used = 0;
  if (kind === 'sqlite') {
    const row = await firstRow(runner, 'SELECT seq FROM sqlite_sequence WHERE name = ?', [STORAGE_USERS]);
    used = Number(row?.seq ?? 0);
  } else if (kind === 'postgres') {
    const row = await firstRow(
      runner,
      `SELECT pg_sequence_last_value(pg_get_serial_sequence('${STORAGE_USERS}', 'id')::regclass) AS v`,
    );
    used = Number(row?.v ?? 0);
  } else {
    const row = await firstRow(
      runner,
      'SELECT AUTO_INCREMENT AS v FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [STORAGE_USERS],
    );
    used = Number(row?.v ?? 1) - 1;
  }
  return Math.max(max, used);
}

/**
 * After rows were inserted with their ids: the next storage user id the target hands out is
 * above `highWater`, and the next collection id above the largest copied one. Identities only
 * ever move forward (a target emptied by --replace keeps its own higher numbers), and this
 * runs last before COMMIT: PostgreSQL's setval is not undone by a rollback.
 */
export async function advanceIdentities(
  runner: SqlRunner,
  kind: BackendKind,
  highWater: number,
): Promise<void> {
  if (kind === 'postgres') {
    const collections = Number((await firstRow(runner, `SELECT MAX(id) AS m FROM ${COLLECTIONS}`))?.m ?? 0);
    await advancePostgres(runner, STORAGE_USERS, highWater);
    await advancePostgres(runner, COLLECTIONS, collections);
    return;
  }
  if (kind === 'sqlite') {
    // Collections use max(id) + 1 by themselves (INTEGER PRIMARY KEY without AUTOINCREMENT).
    const row = await firstRow(runner, 'SELECT seq FROM sqlite_sequence WHERE name = ?', [STORAGE_USERS]);
    if (row === undefined) {
      if (highWater > 0)
        await runner.run('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)', [STORAGE_USERS, highWater]);
    } else if (Number(row.seq) < highWater) {
      await runner.run('UPDATE sqlite_sequence SET seq = ? WHERE name = ?', [highWater, STORAGE_USERS]);
    }
    return;
  }
  // MySQL/MariaDB: AUTO_INCREMENT follows the largest id inserted; ALTER TABLE … AUTO_INCREMENT
  // would commit the transaction half-way, so a row at the high-water mark moves it instead.
  const max = Number((await firstRow(runner, `SELECT MAX(id) AS m FROM ${STORAGE_USERS}`))?.m ?? 0);
  if (highWater > max) {
    await runner.run(`INSERT INTO ${STORAGE_USERS} (id, kind, created_ms) VALUES (?, 'copy-high-water', 0)`, [
      highWater,
    ]);
    await runner.run(`DELETE FROM ${STORAGE_USERS} WHERE id = ?`, [highWater]);
  }
}

async function advancePostgres(runner: SqlRunner, table: string, wanted: number): Promise<void> {
  const sequence = `pg_get_serial_sequence('${table}', 'id')::regclass`;
  const row = await firstRow(runner, `SELECT pg_sequence_last_value(${sequence}) AS v`);
  const current = Number(row?.v ?? 0);
  if (wanted > current) await runner.all(`SELECT setval(${sequence}, ?, true) AS v`, [wanted]);
}
