import type { Millis } from '../../storage/timestamps.js';
import type { TokenserverTx, TokenserverUserRow, TokenserverUserUpdate } from '../tokenserver-types.js';
import type { StatementCache } from './statements.js';

interface Row {
  uid: number;
  email: string;
  fxa_uid: string;
  fxa_email: string | null;
  generation: number;
  client_state: string;
  keys_changed_at: number | null;
  created_at: number;
  replaced_at: number | null;
  last_seen_at: number;
}

const COLUMNS =
  'uid, email, fxa_uid, fxa_email, generation, client_state, keys_changed_at, created_at, replaced_at, last_seen_at';

function toRow(r: Row): TokenserverUserRow {
  return {
    uid: r.uid,
    email: r.email,
    fxaUid: r.fxa_uid,
    fxaEmail: r.fxa_email,
    generation: r.generation,
    clientState: r.client_state,
    keysChangedAt: r.keys_changed_at,
    createdAt: r.created_at,
    replacedAt: r.replaced_at,
    lastSeenAt: r.last_seen_at,
  };
}

export class SqliteTokenserver implements TokenserverTx {
  constructor(private readonly s: StatementCache) {}

  tokenserverUsersByEmail(email: string, limit: number): TokenserverUserRow[] {
    const rows = this.s
      .get(
        `SELECT ${COLUMNS} FROM tokenserver_users WHERE email = ? ORDER BY created_at DESC, uid DESC LIMIT ?`,
      )
      .all(email, limit) as Row[];
    return rows.map(toRow);
  }

  tokenserverUserByUid(uid: number): TokenserverUserRow | null {
    const row = this.s.get(`SELECT ${COLUMNS} FROM tokenserver_users WHERE uid = ?`).get(uid) as
      | Row
      | undefined;
    return row ? toRow(row) : null;
  }

  listTokenserverUsers(): TokenserverUserRow[] {
    const rows = this.s
      .get(`SELECT ${COLUMNS} FROM tokenserver_users WHERE replaced_at IS NULL ORDER BY email, uid`)
      .all() as Row[];
    return rows.map(toRow);
  }

  insertTokenserverUser(u: TokenserverUserRow): void {
    this.s
      .get(`INSERT INTO tokenserver_users (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        u.uid,
        u.email,
        u.fxaUid,
        u.fxaEmail,
        u.generation,
        u.clientState,
        u.keysChangedAt,
        u.createdAt,
        u.replacedAt,
        u.lastSeenAt,
      );
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
