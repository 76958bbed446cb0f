import type { AccountsTx, OwnersTx, Sync11UserRow } from '../types.js';
import type { Millis } from '../records.js';
import { rowCodec } from './row-codec.js';
import type { StatementCache } from './statements.js';

const SYNC11_USER = rowCodec<Sync11UserRow>({
  userId: 'user_id',
  username: 'username',
  passwordHash: 'password_hash',
  email: 'email',
  status: 'status',
  created: 'created_ms',
});

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
    return SYNC11_USER.one(
      this.s.get(`SELECT ${SYNC11_USER.columns} FROM sync11_users WHERE username = ?`).get(username),
    );
  }

  listSync11Users(): Sync11UserRow[] {
    return SYNC11_USER.all(
      this.s.get(`SELECT ${SYNC11_USER.columns} FROM sync11_users ORDER BY username`).all(),
    );
  }

  insertSync11User(row: Sync11UserRow): void {
    this.s.get(SYNC11_USER.insertSql('sync11_users')).run(...SYNC11_USER.values(row));
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
