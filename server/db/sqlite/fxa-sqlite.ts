import type {
  FxaAccountRow,
  FxaCredentialsUpdate,
  FxaDeviceRow,
  FxaKeyFetchRow,
  FxaOAuthCodeRow,
  FxaRefreshTokenRow,
  FxaSessionRow,
  FxaTx,
} from '../fxa-types.js';
import { BYTES, FLAG, rowCodec, type RowCodec } from './row-codec.js';
import type { StatementCache } from './statements.js';

const ACCOUNT = rowCodec<FxaAccountRow>({
  uid: 'uid',
  email: 'email',
  normalizedEmail: 'normalized_email',
  authSalt: ['auth_salt', BYTES],
  verifyHash: ['verify_hash', BYTES],
  kA: ['ka', BYTES],
  wrapWrapKb: ['wrap_wrap_kb', BYTES],
  verifierSetAt: 'verifier_set_at',
  keysChangedAt: 'keys_changed_at',
  createdAt: 'created_at',
});

const SESSION = rowCodec<FxaSessionRow>({
  id: 'id',
  uid: 'uid',
  authKey: ['auth_key', BYTES],
  createdAt: 'created_at',
  lastAccessAt: 'last_access_at',
});

const KEY_FETCH = rowCodec<FxaKeyFetchRow>({
  id: 'id',
  uid: 'uid',
  authKey: ['auth_key', BYTES],
  keyBundle: 'key_bundle',
  createdAt: 'created_at',
});

const CODE = rowCodec<FxaOAuthCodeRow>({
  codeHash: 'code_hash',
  uid: 'uid',
  sessionId: 'session_id',
  clientId: 'client_id',
  scope: 'scope',
  codeChallenge: 'code_challenge',
  keysJwe: 'keys_jwe',
  offline: ['offline', FLAG],
  authAt: 'auth_at',
  createdAt: 'created_at',
  expiresAt: 'expires_at',
});

const REFRESH = rowCodec<FxaRefreshTokenRow>({
  tokenHash: 'token_hash',
  uid: 'uid',
  clientId: 'client_id',
  scope: 'scope',
  createdAt: 'created_at',
  lastUsedAt: 'last_used_at',
});

const DEVICE = rowCodec<FxaDeviceRow>({
  id: 'id',
  uid: 'uid',
  sessionId: 'session_id',
  name: 'name',
  type: 'type',
  pushCallback: 'push_callback',
  pushPublicKey: 'push_public_key',
  pushAuthKey: 'push_auth_key',
  availableCommands: 'available_commands',
  createdAt: 'created_at',
  lastAccessAt: 'last_access_at',
});

export class SqliteFxa implements FxaTx {
  constructor(private readonly s: StatementCache) {}

  private fxaRow<T>(sql: string, codec: RowCodec<T>, ...args: unknown[]): T | null {
    return codec.one(this.s.get(sql).get(...args));
  }

  private fxaRows<T>(sql: string, codec: RowCodec<T>, ...args: unknown[]): T[] {
    return codec.all(this.s.get(sql).all(...args));
  }

  private fxaRun(sql: string, ...args: unknown[]): number {
    return this.s.get(sql).run(...args).changes;
  }

  private fxaInsert<T>(table: string, codec: RowCodec<T>, row: T): void {
    this.fxaRun(codec.insertSql(table), ...codec.values(row));
  }

  fxaAccountByUid(uid: string): FxaAccountRow | null {
    return this.fxaRow(`SELECT ${ACCOUNT.columns} FROM fxa_accounts WHERE uid = ?`, ACCOUNT, uid);
  }

  fxaAccountByEmail(normalizedEmail: string): FxaAccountRow | null {
    return this.fxaRow(
      `SELECT ${ACCOUNT.columns} FROM fxa_accounts WHERE normalized_email = ?`,
      ACCOUNT,
      normalizedEmail,
    );
  }

  fxaListAccounts(): FxaAccountRow[] {
    return this.fxaRows(`SELECT ${ACCOUNT.columns} FROM fxa_accounts ORDER BY normalized_email`, ACCOUNT);
  }

  fxaInsertAccount(a: FxaAccountRow): void {
    this.fxaInsert('fxa_accounts', ACCOUNT, a);
  }

  fxaUpdateCredentials(uid: string, u: FxaCredentialsUpdate): boolean {
    return (
      this.fxaRun(
        `UPDATE fxa_accounts SET auth_salt = ?, verify_hash = ?, ka = ?, wrap_wrap_kb = ?, verifier_set_at = ?, keys_changed_at = ? WHERE uid = ?`,
        BYTES.write(u.authSalt),
        BYTES.write(u.verifyHash),
        BYTES.write(u.kA),
        BYTES.write(u.wrapWrapKb),
        u.verifierSetAt,
        u.keysChangedAt,
        uid,
      ) > 0
    );
  }

  fxaDeleteAccount(uid: string): boolean {
    return this.fxaRun('DELETE FROM fxa_accounts WHERE uid = ?', uid) > 0;
  }

  fxaInsertSession(r: FxaSessionRow): void {
    this.fxaInsert('fxa_session_tokens', SESSION, r);
  }

  fxaSession(id: string): FxaSessionRow | null {
    return this.fxaRow(`SELECT ${SESSION.columns} FROM fxa_session_tokens WHERE id = ?`, SESSION, id);
  }

  fxaTouchSession(id: string, now: number): void {
    this.fxaRun('UPDATE fxa_session_tokens SET last_access_at = ? WHERE id = ?', now, id);
  }

  fxaDeleteSession(id: string): boolean {
    this.fxaRun('DELETE FROM fxa_devices WHERE session_id = ?', id);
    return this.fxaRun('DELETE FROM fxa_session_tokens WHERE id = ?', id) > 0;
  }

  fxaDeleteSessions(uid: string, keepId: string | null): number {
    const keep = keepId ?? '';
    this.fxaRun(
      'DELETE FROM fxa_devices WHERE uid = ? AND session_id IS NOT NULL AND session_id <> ?',
      uid,
      keep,
    );
    return this.fxaRun('DELETE FROM fxa_session_tokens WHERE uid = ? AND id <> ?', uid, keep);
  }

  fxaSessions(uid: string): FxaSessionRow[] {
    return this.fxaRows(
      `SELECT ${SESSION.columns} FROM fxa_session_tokens WHERE uid = ? ORDER BY created_at`,
      SESSION,
      uid,
    );
  }

  fxaInsertKeyFetch(r: FxaKeyFetchRow): void {
    this.fxaInsert('fxa_key_fetch_tokens', KEY_FETCH, r);
  }

  fxaKeyFetch(id: string): FxaKeyFetchRow | null {
    return this.fxaRow(`SELECT ${KEY_FETCH.columns} FROM fxa_key_fetch_tokens WHERE id = ?`, KEY_FETCH, id);
  }

  fxaDeleteKeyFetch(id: string): boolean {
    return this.fxaRun('DELETE FROM fxa_key_fetch_tokens WHERE id = ?', id) > 0;
  }

  fxaDeleteKeyFetchTokens(uid: string): void {
    this.fxaRun('DELETE FROM fxa_key_fetch_tokens WHERE uid = ?', uid);
  }

  fxaInsertCode(c: FxaOAuthCodeRow): void {
    this.fxaInsert('fxa_oauth_codes', CODE, c);
  }

  fxaTakeCode(codeHash: string): FxaOAuthCodeRow | null {
    const row = this.fxaRow(
      `SELECT ${CODE.columns} FROM fxa_oauth_codes WHERE code_hash = ?`,
      CODE,
      codeHash,
    );
    if (row) this.fxaRun('DELETE FROM fxa_oauth_codes WHERE code_hash = ?', codeHash);
    return row;
  }

  fxaDeleteCodes(uid: string): void {
    this.fxaRun('DELETE FROM fxa_oauth_codes WHERE uid = ?', uid);
  }

  fxaPurge(now: number, keyFetchBefore: number): number {
    return (
      this.fxaRun('DELETE FROM fxa_oauth_codes WHERE expires_at <= ?', now) +
      this.fxaRun('DELETE FROM fxa_key_fetch_tokens WHERE created_at <= ?', keyFetchBefore)
    );
  }

  fxaInsertRefreshToken(r: FxaRefreshTokenRow): void {
    this.fxaInsert('fxa_refresh_tokens', REFRESH, r);
  }

  fxaRefreshToken(tokenHash: string): FxaRefreshTokenRow | null {
    return this.fxaRow(
      `SELECT ${REFRESH.columns} FROM fxa_refresh_tokens WHERE token_hash = ?`,
      REFRESH,
      tokenHash,
    );
  }

  fxaTouchRefreshToken(tokenHash: string, now: number): void {
    this.fxaRun('UPDATE fxa_refresh_tokens SET last_used_at = ? WHERE token_hash = ?', now, tokenHash);
  }

  fxaDeleteRefreshToken(tokenHash: string): boolean {
    return this.fxaRun('DELETE FROM fxa_refresh_tokens WHERE token_hash = ?', tokenHash) > 0;
  }

  fxaDeleteRefreshTokens(uid: string): void {
    this.fxaRun('DELETE FROM fxa_refresh_tokens WHERE uid = ?', uid);
  }

  fxaInsertDevice(d: FxaDeviceRow): void {
    this.fxaInsert('fxa_devices', DEVICE, d);
  }

  fxaUpdateDevice(d: FxaDeviceRow): void {
    this.fxaRun(
      `UPDATE fxa_devices SET session_id = ?, name = ?, type = ?, push_callback = ?, push_public_key = ?, push_auth_key = ?,
         available_commands = ?, last_access_at = ? WHERE id = ?`,
      d.sessionId,
      d.name,
      d.type,
      d.pushCallback,
      d.pushPublicKey,
      d.pushAuthKey,
      d.availableCommands,
      d.lastAccessAt,
      d.id,
    );
  }

  fxaDevice(id: string): FxaDeviceRow | null {
    return this.fxaRow(`SELECT ${DEVICE.columns} FROM fxa_devices WHERE id = ?`, DEVICE, id);
  }

  fxaDeviceBySession(sessionId: string): FxaDeviceRow | null {
    return this.fxaRow(`SELECT ${DEVICE.columns} FROM fxa_devices WHERE session_id = ?`, DEVICE, sessionId);
  }

  fxaDevices(uid: string): FxaDeviceRow[] {
    return this.fxaRows(
      `SELECT ${DEVICE.columns} FROM fxa_devices WHERE uid = ? ORDER BY created_at, id`,
      DEVICE,
      uid,
    );
  }

  fxaDeleteDevice(id: string): boolean {
    return this.fxaRun('DELETE FROM fxa_devices WHERE id = ?', id) > 0;
  }
}
