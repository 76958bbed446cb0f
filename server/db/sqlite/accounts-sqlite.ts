import type { AccountsTx, OwnersTx, Sync11UserRow } from '../types.js';
import type { Millis } from '../../storage/timestamps.js';
import type { StatementCache } from './statements.js';

interface Sync11Row {
  user_id: number;
  username: string;
  password_hash: string;
  email: string | null;
  status: number;
  created_ms: number;
}

function toUser(row: Sync11Row): Sync11UserRow {
  return {
    userId: row.user_id,
    username: row.username,
    passwordHash: row.password_hash,
    email: row.email,
    status: row.status,
    created: row.created_ms,
  };
}

const SYNC11_COLUMNS = 'user_id, username, password_hash, email, status, created_ms';

export class SqliteOwners implements OwnersTx {
  constructor(private readonly s: StatementCache) {}

  createStorageUser(kind: string, now: Millis): number {
    const info = this.s.get('INSERT INTO storage_users (kind, created_ms) VALUES (?, ?)').run(kind, now);
    return Number(info.lastInsertRowid);
  }

  deleteStorageUser(userId: number): void {
    this.s.get('DELETE FROM storage_users WHERE id = ?').run(userId);
  }
}

export class SqliteAccounts implements AccountsTx {
  constructor(private readonly s: StatementCache) {}

  findSync11User(username: string): Sync11UserRow | null {
    const row = this.s.get(`SELECT ${SYNC11_COLUMNS} FROM sync11_users WHERE username = ?`).get(username) as
      | Sync11Row
      | undefined;
    return row ? toUser(row) : null;
  }

  listSync11Users(): Sync11UserRow[] {
    const rows = this.s
      .get(`SELECT ${SYNC11_COLUMNS} FROM sync11_users ORDER BY username`)
      .all() as Sync11Row[];
    return rows.map(toUser);
  }

  insertSync11User(row: Sync11UserRow): void {
    this.s
      .get(
        'INSERT INTO sync11_users (user_id, username, password_hash, email, status, created_ms) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(row.userId, row.username, row.passwordHash, row.email, row.status, row.created);
  }

  updateSync11Password(username: string, passwordHash: string): boolean {
    return (
      this.s.get('UPDATE sync11_users SET password_hash = ? WHERE username = ?').run(passwordHash, username)
        .changes > 0
    );
  }

  updateSync11Email(username: string, email: string): boolean {
    return (
      this.s.get('UPDATE sync11_users SET email = ? WHERE username = ?').run(email, username).changes > 0
    );
  }

  deleteSync11User(username: string): boolean {
    return this.s.get('DELETE FROM sync11_users WHERE username = ?').run(username).changes > 0;
  }
}
