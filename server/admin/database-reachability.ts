import type { DatabaseLocation } from '../db/database-url.js';
import { DatabaseUnavailableError } from '../db/errors.js';
import { describeLocation } from '../db/server-database.js';
import type { DatabaseInUse, Warning } from './api.js';

/**
 * Whether the database server can be reached, for Status, the warnings and the tray (issue
 * 10, item 7). Fed by the outcomes of the admin surface's own reads of the live database (the
 * status probe and the account count): a DatabaseUnavailableError marks it unreachable, the
 * next read that works clears it, so the warning goes away by itself. The message comes from
 * the database layer, which names host, port and database and never the password.
 */

const NAMES: Record<DatabaseLocation['kind'], string> = {
  sqlite: 'SQLite',
  postgres: 'PostgreSQL',
  mysql: 'MySQL/MariaDB',
};

export const UNREACHABLE_HINT =
  'Check that the database server is running and that the address, user and password in the database URL are right.';

/** The DatabaseUnavailableError behind `err` (the admin surface wraps it in an AdminError). */
export function unavailableCause(err: unknown): DatabaseUnavailableError | null {
  if (err instanceof DatabaseUnavailableError) return err;
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  return cause instanceof DatabaseUnavailableError ? cause : null;
}

/** "Foxden cannot reach PostgreSQL at 127.0.0.1:5432, database foxden: connection refused." */
export function unreachableSentence(err: DatabaseUnavailableError): string {
  const what = err.message.replace(/^Cannot open /, '').trim();
  return `Foxden cannot reach ${what}${/[.!?]$/.test(what) ? '' : '.'}`;
}

export class DatabaseReachability {
  private problem: { since: number; message: string } | null = null;

  constructor(private readonly clock: () => number = Date.now) {}

  /** A read or write of the live database worked. */
  succeeded(): void {
    this.problem = null;
  }

  /** A read or write failed; only an unreachable database counts (a bug is not an outage). */
  failed(err: unknown): void {
    const cause = unavailableCause(err);
    if (!cause) return;
    this.problem = { since: this.problem?.since ?? this.clock(), message: unreachableSentence(cause) };
  }

  /** Forgets an old outage (the server was stopped: nothing reads the database now). */
  clear(): void {
    this.problem = null;
  }

  get unreachable(): { since: number; message: string } | null {
    return this.problem;
  }

  /** The read-only "database in use" line of Settings and Status, never with a password. */
  view(location: DatabaseLocation): DatabaseInUse {
    return {
      kind: location.kind,
      name: NAMES[location.kind],
      where: describeLocation(location),
      problem: this.problem ? { ...this.problem, hint: UNREACHABLE_HINT } : null,
    };
  }

  warnings(): Warning[] {
    if (!this.problem) return [];
    return [
      {
        code: 'database-unreachable',
        severity: 'error',
        message: this.problem.message,
        hint: UNREACHABLE_HINT,
      },
    ];
  }
}
