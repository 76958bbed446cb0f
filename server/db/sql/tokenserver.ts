import type { Millis } from '../records.js';
import type { TokenserverTx, TokenserverUserRow, TokenserverUserUpdate } from '../tokenserver-types.js';
import { rowCodec } from './row-codec.js';
import { firstRow, placeholders, type SqlDialect, type SqlRunner } from './runner.js';

const USER = rowCodec<TokenserverUserRow>({
  uid: 'uid',
  email: 'email',
  fxaUid: 'fxa_uid',
  fxaEmail: 'fxa_email',
  generation: 'generation',
  clientState: 'client_state',
  keysChangedAt: 'keys_changed_at',
  createdAt: 'created_at',
  replacedAt: 'replaced_at',
  lastSeenAt: 'last_seen_at',
});

export class SqlTokenserver implements TokenserverTx {
  constructor(
    private readonly db: SqlRunner,
    private readonly dialect: SqlDialect,
  ) {}

  async tokenserverUsersByEmail(email: string, limit: number): Promise<TokenserverUserRow[]> {
    return USER.all(
      await this.db.all(
        `SELECT ${USER.columns} FROM tokenserver_users WHERE email = ? ORDER BY created_at DESC, uid DESC LIMIT ?`,
        [email, limit],
      ),
    );
  }

  async tokenserverUserByUid(uid: number): Promise<TokenserverUserRow | null> {
    return USER.one(
      await firstRow(this.db, `SELECT ${USER.columns} FROM tokenserver_users WHERE uid = ?`, [uid]),
    );
  }

  async listTokenserverUsers(): Promise<TokenserverUserRow[]> {
    return USER.all(
      await this.db.all(
        `SELECT ${USER.columns} FROM tokenserver_users WHERE replaced_at IS NULL ORDER BY email, uid`,
      ),
    );
  }

  async insertTokenserverUser(u: TokenserverUserRow): Promise<void> {
    await this.db.run(USER.insertSql('tokenserver_users'), USER.values(u));
  }

  async updateTokenserverUser(uid: number, u: TokenserverUserUpdate): Promise<void> {
    // The larger-of guards keep generation and keys_changed_at from ever moving backwards (spec §3.3).
    const { greatest } = this.dialect;
    const keysChangedAt =
      u.keysChangedAt === null ? '' : `, keys_changed_at = ${greatest('COALESCE(keys_changed_at, 0)', '?')}`;
    await this.db.run(
      `UPDATE tokenserver_users SET generation = ${greatest('generation', '?')}${keysChangedAt}, last_seen_at = ? WHERE uid = ?`,
      u.keysChangedAt === null
        ? [u.generation, u.lastSeenAt, uid]
        : [u.generation, u.keysChangedAt, u.lastSeenAt, uid],
    );
  }

  async replaceOtherTokenserverUsers(email: string, keepUid: number, now: Millis): Promise<number[]> {
    const uids = (
      await this.db.all(
        'SELECT uid FROM tokenserver_users WHERE email = ? AND uid <> ? AND replaced_at IS NULL',
        [email, keepUid],
      )
    ).map((r) => r.uid as number);
    await this.db.run(
      'UPDATE tokenserver_users SET replaced_at = ? WHERE email = ? AND uid <> ? AND replaced_at IS NULL',
      [now, email, keepUid],
    );
    // A replaced uid is refused from now on: its version moves, so no node's cache says live.
    if (this.dialect.versionedUsers && uids.length > 0) {
      await this.db.run(
        `UPDATE storage_users SET change_seq = change_seq + 1 WHERE id IN (${placeholders(uids.length)})`,
        uids,
      );
    }
    return uids;
  }

  async deleteTokenserverUsers(email: string): Promise<number[]> {
    const uids = (await this.db.all('SELECT uid FROM tokenserver_users WHERE email = ?', [email])).map(
      (r) => r.uid as number,
    );
    await this.db.run('DELETE FROM tokenserver_users WHERE email = ?', [email]);
    return uids;
  }

  async storageUserKind(userId: number): Promise<string | null> {
    const row = await firstRow(this.db, 'SELECT kind FROM storage_users WHERE id = ?', [userId]);
    return (row?.kind as string | undefined) ?? null;
  }
}
