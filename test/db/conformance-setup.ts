import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../server/db/open-database.js';
import type { Database } from '../../server/db/types.js';
import type { StoredBso } from '../../server/db/records.js';
import {
  databaseProblem,
  freshDatabase,
  testDatabaseKind,
  type FreshDatabase,
  type TestDatabaseKind,
} from '../helpers/databases.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where each networked backend lives; the suite skips a backend that is not there yet. */
const BACKEND_MODULE = {
  postgres: 'server/db/postgres/postgres-database.ts',
  mysql: 'server/db/mysql/mysql-database.ts',
} as const;

/**
 * The backends the suite runs on: SQLite always, and the one FOXDEN_TEST_DATABASE names
 * (scripts/run-tests.js runs the suite once per backend). Each comes with the reason it is
 * skipped, or null.
 */
export async function conformanceKinds(): Promise<{ kind: TestDatabaseKind; skip: string | null }[]> {
  const kinds: { kind: TestDatabaseKind; skip: string | null }[] = [{ kind: 'sqlite', skip: null }];
  const chosen = testDatabaseKind();
  if (chosen === 'sqlite') return kinds;
  let skip: string | null = null;
  if (!fs.existsSync(path.join(root, BACKEND_MODULE[chosen])))
    skip = `${BACKEND_MODULE[chosen]} is not built yet`;
  else skip = await databaseProblem(chosen);
  kinds.push({ kind: chosen, skip });
  return kinds;
}

/**
 * One brand-new database for a test, opened as one node (`db`); `node()` opens another
 * Database object on the same database, as a second Foxden node (or, on SQLite, a second
 * connection to the file) would.
 */
export class TestBackend {
  private readonly extra: Database[] = [];

  private constructor(
    readonly kind: TestDatabaseKind,
    private readonly fresh: FreshDatabase,
    readonly db: Database,
  ) {}

  static async open(kind: TestDatabaseKind): Promise<TestBackend> {
    const fresh = await freshDatabase(kind);
    try {
      return new TestBackend(kind, fresh, await openDatabase(fresh.location));
    } catch (err) {
      await fresh.cleanup();
      throw err;
    }
  }

  async node(): Promise<Database> {
    const db = await openDatabase(this.fresh.location);
    this.extra.push(db);
    return db;
  }

  async close(): Promise<void> {
    for (const db of [...this.extra, this.db]) await db.close().catch(() => {});
    await this.fresh.cleanup();
  }
}

export const NOW = 1_700_000_000_000;

export function bso(id: string, fields: Partial<StoredBso> = {}): StoredBso {
  return {
    id,
    modified: NOW,
    payload: `{"id":"${id}"}`,
    sortindex: null,
    parentid: null,
    predecessorid: null,
    expiry: null,
    ...fields,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every few milliseconds until it holds or `ms` pass; answers whether it held. */
export async function eventually(check: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > end) return false;
    await sleep(5);
  }
}

export function byName<T extends { name: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
