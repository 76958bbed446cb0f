import type { Millis } from '../records.js';
import type { TokenserverTx, TokenserverUserRow, TokenserverUserUpdate } from '../tokenserver-types.js';
import { rowCodec } from './row-codec.js';
import type { StatementCache } from './statements.js';

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

export class SqliteTokenserver implements TokenserverTx {
  constructor(private readonly s: StatementCache) {}

  tokenserverUsersByEmail(email: string, limit: number): TokenserverUserRow[] {
    return USER.all(
      this.s
        .get(
          `SELECT ${USER.columns} FROM tokenserver_users WHERE email = ? ORDER BY created_at DESC, uid DESC LIMIT ?`,
        )
        .all(email, limit),
    );
  }

  tokenserverUserByUid(uid: number): TokenserverUserRow | null {
    return USER.one(this.s.get(`SELECT ${USER.columns} FROM tokenserver_users WHERE uid = ?`).get(uid));
  }

  listTokenserverUsers(): TokenserverUserRow[] {
    return USER.all(
      this.s
        .get(`SELECT ${USER.columns} FROM tokenserver_users WHERE replaced_at IS NULL ORDER BY email, uid`)
        .all(),
    );
  }

  insertTokenserverUser(u: TokenserverUserRow): void {
    this.s.get(USER.insertSql('tokenserver_users')).run(...USER.values(u));
  }

  updateTokenserverUser(uid: number, u: TokenserverUserUpdate): void {
    this.s
      .get(
        // MAX guards keep generation and keys_changed_at from ever moving backwards (spec §3.3).
        `UPDATE tokenserver_users SET generation = MAX(generation, ?),
           keys_changed_at = CASE WHEN ? IS NULL THEN keys_changed_at ELSE MAX(COALESCE(keys_changed_at, 0), ?) END,
           last_seen_at = ? WHERE uid = ?`,
      )
      .run(u.generation, u.keysChangedAt, u.keysChangedAt, u.lastSeenAt, uid);
  }

  replaceOtherTokenserverUsers(email: string, keepUid: number, now: Millis): number[] {
    const uids = (
      this.s
        .get('SELECT uid FROM tokenserver_users WHERE email = ? AND uid <> ? AND replaced_at IS NULL')
        .all(email, keepUid) as { uid: number }[]
    ).map((r) => r.uid);
    this.s
      .get(
        'UPDATE tokenserver_users SET replaced_at = ? WHERE email = ? AND uid <> ? AND replaced_at IS NULL',
      )
      .run(now, email, keepUid);
    return uids;
  }

  deleteTokenserverUsers(email: string): number[] {
    const uids = (
      this.s.get('SELECT uid FROM tokenserver_users WHERE email = ?').all(email) as { uid: number }[]
    ).map((r) => r.uid);
    this.s.get('DELETE FROM tokenserver_users WHERE email = ?').run(email);
    return uids;
  }

  storageUserKind(userId: number): string | null {
    const row = this.s.get('SELECT kind FROM storage_users WHERE id = ?').get(userId) as
      | { kind: string }
      | undefined;
    return row?.kind ?? null;
  }
}
