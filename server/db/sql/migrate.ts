import { SchemaTooNewError } from '../errors.js';
import type { NetworkConnection } from './network-database.js';
import { firstRow } from './runner.js';

/** A numbered schema step: statements run in order. Append only, never edited once released. */
export type Migration = readonly string[];

export interface MigrationPlan {
  readonly migrations: readonly Migration[];
  /** Where, for the "schema is newer" message. */
  readonly where: string;
  /** Statements that make concurrent starters (several nodes) migrate one at a time. */
  readonly lock: string;
  readonly unlock: string;
  /** Whether DDL is transactional (PostgreSQL): each step then commits whole or not at all. */
  readonly transactionalDdl: boolean;
}

/**
 * Brings a networked database to the newest schema this Foxden knows; `foxden_schema` holds
 * how many steps have run. Refuses a database migrated by a newer Foxden. Answers the version.
 */
export async function migrate(conn: NetworkConnection, plan: MigrationPlan): Promise<number> {
  await conn.exec(plan.lock);
  try {
    await conn.exec('CREATE TABLE IF NOT EXISTS foxden_schema (version INTEGER NOT NULL)');
    let row = await firstRow(conn.runner, 'SELECT version FROM foxden_schema');
    if (!row) {
      await conn.runner.run('INSERT INTO foxden_schema (version) VALUES (0)');
      row = { version: 0 };
    }
    let version = Number(row.version);
    const known = plan.migrations.length;
    if (version > known) throw new SchemaTooNewError(plan.where, version, known);
    for (; version < known; version++) {
      if (plan.transactionalDdl) await conn.exec('BEGIN');
      for (const sql of plan.migrations[version] as Migration) await conn.exec(sql);
      await conn.runner.run('UPDATE foxden_schema SET version = ?', [version + 1]);
      if (plan.transactionalDdl) await conn.exec('COMMIT');
    }
    return version;
  } catch (err) {
    if (plan.transactionalDdl) await conn.exec('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await conn.exec(plan.unlock).catch(() => undefined);
  }
}
