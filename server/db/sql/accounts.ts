import type { AccountsTx, DirectoryUserRow, OwnersTx, Sync11UserRow } from '../types.js';
import type { Millis } from '../records.js';
import { rowCodec } from './row-codec.js';
import { firstRow, type SqlDialect, type SqlRunner } from './runner.js';

const SYNC11_USER = rowCodec<Sync11UserRow>({
  userId: 'user_id',
  username: 'username',
  passwordHash: 'password_hash',
  email: 'email',
  status: 'status',
  created: 'created_ms',
});

const DIRECTORY_USER = rowCodec<DirectoryUserRow>({
  directoryId: 'directory_id',
  kind: 'kind',
  userId: 'user_id',
  name: 'name',
  displayName: 'display_name',
  created: 'created_ms',
  lastSeen: 'last_seen_ms',
});

export class SqlOwners implements OwnersTx {
  constructor(private readonly db: SqlRunner) {}

  async createStorageUser(kind: string, now: Millis): Promise<number> {
    return this.db.insertReturningId('INSERT INTO storage_users (kind, created_ms) VALUES (?, ?)', [
      kind,
      now,
    ]);
  }

  async deleteStorageUser(userId: number): Promise<void> {
    await this.db.run('DELETE FROM storage_users WHERE id = ?', [userId]);
  }
}

export class SqlAccounts implements AccountsTx {
  constructor(
    private readonly db: SqlRunner,
    private readonly dialect: SqlDialect,
  ) {}

  /** A changed login moves the user's version, so no node keeps accepting the old one. */
  private async touch(username: string): Promise<void> {
    if (!this.dialect.versionedUsers) return;
    await this.db.run(
      'UPDATE storage_users SET change_seq = change_seq + 1 WHERE id = (SELECT user_id FROM sync11_users WHERE username = ?)',
      [username],
    );
  }

  async findDirectoryUser(directoryId: string, kind: string): Promise<DirectoryUserRow | null> {
    return DIRECTORY_USER.one(
      await firstRow(
        this.db,
        `SELECT ${DIRECTORY_USER.columns} FROM directory_users WHERE directory_id = ? AND kind = ?`,
        [directoryId, kind],
      ),
    );
  }

  async insertDirectoryUser(row: DirectoryUserRow): Promise<void> {
    await this.db.run(DIRECTORY_USER.insertSql('directory_users'), DIRECTORY_USER.values(row));
  }

  async touchDirectoryUser(
    directoryId: string,
    kind: string,
    name: string,
    displayName: string,
    lastSeen: number,
  ): Promise<boolean> {
    return (
      (await this.db.run(
        'UPDATE directory_users SET name = ?, display_name = ?, last_seen_ms = ? WHERE directory_id = ? AND kind = ?',
        [name, displayName, lastSeen, directoryId, kind],
      )) > 0
    );
  }

  async listDirectoryUsers(): Promise<DirectoryUserRow[]> {
    return DIRECTORY_USER.all(
      await this.db.all(`SELECT ${DIRECTORY_USER.columns} FROM directory_users ORDER BY name, directory_id`),
    );
  }

  async findSync11User(username: string): Promise<Sync11UserRow | null> {
    return SYNC11_USER.one(
      await firstRow(this.db, `SELECT ${SYNC11_USER.columns} FROM sync11_users WHERE username = ?`, [
        username,
      ]),
    );
  }

  async listSync11Users(): Promise<Sync11UserRow[]> {
    return SYNC11_USER.all(
      await this.db.all(`SELECT ${SYNC11_USER.columns} FROM sync11_users ORDER BY username`),
    );
  }

  async insertSync11User(row: Sync11UserRow): Promise<void> {
    await this.db.run(SYNC11_USER.insertSql('sync11_users'), SYNC11_USER.values(row));
  }

  async updateSync11Password(username: string, passwordHash: string): Promise<boolean> {
    await this.touch(username);
    return (
      (await this.db.run('UPDATE sync11_users SET password_hash = ? WHERE username = ?', [
        passwordHash,
        username,
      ])) > 0
    );
  }

  async updateSync11Email(username: string, email: string): Promise<boolean> {
    await this.touch(username);
    return (await this.db.run('UPDATE sync11_users SET email = ? WHERE username = ?', [email, username])) > 0;
  }

  async deleteSync11User(username: string): Promise<boolean> {
    await this.touch(username);
    return (await this.db.run('DELETE FROM sync11_users WHERE username = ?', [username])) > 0;
  }
}
