import type {
  FxaAccountRow,
  FxaCommandRow,
  FxaCredentialsUpdate,
  FxaDeviceRow,
  FxaKeyFetchRow,
  FxaOAuthCodeRow,
  FxaRefreshTokenRow,
  FxaSessionRow,
  FxaTx,
} from '../fxa-types.js';
import { BYTES, FLAG, rowCodec, type RowCodec } from './row-codec.js';
import { IN_LIST_MAX, firstRow, type SqlRunner } from './runner.js';

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

const COMMAND = rowCodec<FxaCommandRow>({
  deviceId: 'device_id',
  index: 'idx',
  command: 'command',
  payload: 'payload',
  sender: 'sender',
  createdAt: 'created_at',
  expiresAt: 'expires_at',
});

export class SqlFxa implements FxaTx {
  constructor(private readonly db: SqlRunner) {}

  private async fxaRow<T>(sql: string, codec: RowCodec<T>, ...args: unknown[]): Promise<T | null> {
    return codec.one(await firstRow(this.db, sql, args));
  }

  private async fxaRows<T>(sql: string, codec: RowCodec<T>, ...args: unknown[]): Promise<T[]> {
    return codec.all(await this.db.all(sql, args));
  }

  private async fxaRun(sql: string, ...args: unknown[]): Promise<number> {
    return this.db.run(sql, args);
  }

  private async fxaInsert<T>(table: string, codec: RowCodec<T>, row: T): Promise<void> {
    await this.fxaRun(codec.insertSql(table), ...codec.values(row));
  }

  async fxaAccountByUid(uid: string): Promise<FxaAccountRow | null> {
    return this.fxaRow(`SELECT ${ACCOUNT.columns} FROM fxa_accounts WHERE uid = ?`, ACCOUNT, uid);
  }

  async fxaAccountByEmail(normalizedEmail: string): Promise<FxaAccountRow | null> {
    return this.fxaRow(
      `SELECT ${ACCOUNT.columns} FROM fxa_accounts WHERE normalized_email = ?`,
      ACCOUNT,
      normalizedEmail,
    );
  }

  async fxaListAccounts(): Promise<FxaAccountRow[]> {
    return this.fxaRows(`SELECT ${ACCOUNT.columns} FROM fxa_accounts ORDER BY normalized_email`, ACCOUNT);
  }

  async fxaInsertAccount(a: FxaAccountRow): Promise<void> {
    await this.fxaInsert('fxa_accounts', ACCOUNT, a);
  }

  async fxaUpdateCredentials(uid: string, u: FxaCredentialsUpdate): Promise<boolean> {
    return (
      (await this.fxaRun(
        `UPDATE fxa_accounts SET auth_salt = ?, verify_hash = ?, ka = ?, wrap_wrap_kb = ?, verifier_set_at = ?, keys_changed_at = ? WHERE uid = ?`,
        BYTES.write(u.authSalt),
        BYTES.write(u.verifyHash),
        BYTES.write(u.kA),
        BYTES.write(u.wrapWrapKb),
        u.verifierSetAt,
        u.keysChangedAt,
        uid,
      )) > 0
    );
  }

  async fxaDeleteAccount(uid: string): Promise<boolean> {
    return (await this.fxaRun('DELETE FROM fxa_accounts WHERE uid = ?', uid)) > 0;
  }

  async fxaInsertSession(r: FxaSessionRow): Promise<void> {
    await this.fxaInsert('fxa_session_tokens', SESSION, r);
  }

  async fxaSession(id: string): Promise<FxaSessionRow | null> {
    return this.fxaRow(`SELECT ${SESSION.columns} FROM fxa_session_tokens WHERE id = ?`, SESSION, id);
  }

  async fxaTouchSession(id: string, now: number): Promise<void> {
    await this.fxaRun('UPDATE fxa_session_tokens SET last_access_at = ? WHERE id = ?', now, id);
  }

  async fxaDeleteSession(id: string): Promise<boolean> {
    await this.fxaRun('DELETE FROM fxa_devices WHERE session_id = ?', id);
    await this.fxaRun('DELETE FROM fxa_refresh_tokens WHERE session_id = ?', id);
    return (await this.fxaRun('DELETE FROM fxa_session_tokens WHERE id = ?', id)) > 0;
  }

  async fxaDeleteSessions(uid: string, keepId: string | null): Promise<number> {
    const keep = keepId ?? '';
    await this.fxaRun(
      'DELETE FROM fxa_devices WHERE uid = ? AND session_id IS NOT NULL AND session_id <> ?',
      uid,
      keep,
    );
    await this.fxaRun(
      'DELETE FROM fxa_refresh_tokens WHERE uid = ? AND session_id IS NOT NULL AND session_id <> ?',
      uid,
      keep,
    );
    return this.fxaRun('DELETE FROM fxa_session_tokens WHERE uid = ? AND id <> ?', uid, keep);
  }

  async fxaSessions(uid: string): Promise<FxaSessionRow[]> {
    return this.fxaRows(
      `SELECT ${SESSION.columns} FROM fxa_session_tokens WHERE uid = ? ORDER BY created_at`,
      SESSION,
      uid,
    );
  }

  async fxaInsertKeyFetch(r: FxaKeyFetchRow): Promise<void> {
    await this.fxaInsert('fxa_key_fetch_tokens', KEY_FETCH, r);
  }

  async fxaKeyFetch(id: string): Promise<FxaKeyFetchRow | null> {
    return this.fxaRow(`SELECT ${KEY_FETCH.columns} FROM fxa_key_fetch_tokens WHERE id = ?`, KEY_FETCH, id);
  }

  async fxaDeleteKeyFetch(id: string): Promise<boolean> {
    return (await this.fxaRun('DELETE FROM fxa_key_fetch_tokens WHERE id = ?', id)) > 0;
  }

  async fxaDeleteKeyFetchTokens(uid: string): Promise<void> {
    await this.fxaRun('DELETE FROM fxa_key_fetch_tokens WHERE uid = ?', uid);
  }

  async fxaInsertCode(c: FxaOAuthCodeRow): Promise<void> {
    await this.fxaInsert('fxa_oauth_codes', CODE, c);
  }

  async fxaTakeCode(codeHash: string): Promise<FxaOAuthCodeRow | null> {
    const row = await this.fxaRow(
      `SELECT ${CODE.columns} FROM fxa_oauth_codes WHERE code_hash = ?`,
      CODE,
      codeHash,
    );
    if (row) await this.fxaRun('DELETE FROM fxa_oauth_codes WHERE code_hash = ?', codeHash);
    return row;
  }

  async fxaDeleteCodes(uid: string): Promise<void> {
    await this.fxaRun('DELETE FROM fxa_oauth_codes WHERE uid = ?', uid);
  }

  async fxaPurge(now: number, keyFetchBefore: number): Promise<number> {
    return (
      (await this.fxaRun('DELETE FROM fxa_oauth_codes WHERE expires_at <= ?', now)) +
      (await this.fxaRun('DELETE FROM fxa_key_fetch_tokens WHERE created_at <= ?', keyFetchBefore))
    );
  }

  async fxaInsertRefreshToken(r: FxaRefreshTokenRow, sessionId: string | null = null): Promise<void> {
    // The session id stays out of the row codec: nothing reads it back, it only ends the token.
    await this.fxaRun(
      `INSERT INTO fxa_refresh_tokens (${REFRESH.columns}, session_id) VALUES (${REFRESH.columns
        .split(', ')
        .map(() => '?')
        .join(', ')}, ?)`,
      ...REFRESH.values(r),
      sessionId,
    );
  }

  async fxaRefreshToken(tokenHash: string): Promise<FxaRefreshTokenRow | null> {
    return this.fxaRow(
      `SELECT ${REFRESH.columns} FROM fxa_refresh_tokens WHERE token_hash = ?`,
      REFRESH,
      tokenHash,
    );
  }

  async fxaTouchRefreshToken(tokenHash: string, now: number): Promise<void> {
    await this.fxaRun('UPDATE fxa_refresh_tokens SET last_used_at = ? WHERE token_hash = ?', now, tokenHash);
  }

  async fxaDeleteRefreshToken(tokenHash: string): Promise<boolean> {
    return (await this.fxaRun('DELETE FROM fxa_refresh_tokens WHERE token_hash = ?', tokenHash)) > 0;
  }

  async fxaDeleteRefreshTokens(uid: string): Promise<void> {
    await this.fxaRun('DELETE FROM fxa_refresh_tokens WHERE uid = ?', uid);
  }

  async fxaInsertDevice(d: FxaDeviceRow): Promise<void> {
    await this.fxaInsert('fxa_devices', DEVICE, d);
  }

  async fxaUpdateDevice(d: FxaDeviceRow): Promise<void> {
    await this.fxaRun(
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

  async fxaDevice(id: string): Promise<FxaDeviceRow | null> {
    return this.fxaRow(`SELECT ${DEVICE.columns} FROM fxa_devices WHERE id = ?`, DEVICE, id);
  }

  async fxaDeviceBySession(sessionId: string): Promise<FxaDeviceRow | null> {
    return this.fxaRow(`SELECT ${DEVICE.columns} FROM fxa_devices WHERE session_id = ?`, DEVICE, sessionId);
  }

  async fxaDevices(uid: string): Promise<FxaDeviceRow[]> {
    return this.fxaRows(
      `SELECT ${DEVICE.columns} FROM fxa_devices WHERE uid = ? ORDER BY created_at, id`,
      DEVICE,
      uid,
    );
  }

  async fxaDeleteDevice(id: string): Promise<boolean> {
    return (await this.fxaRun('DELETE FROM fxa_devices WHERE id = ?', id)) > 0;
  }

  async fxaEnqueueCommand(uid: string, row: Omit<FxaCommandRow, 'index'>): Promise<number> {
    const index = await this.fxaNextCommandIndex(uid);
    await this.fxaInsertCommand({ ...row, index });
    return index;
  }

  async fxaNextCommandIndex(uid: string): Promise<number> {
    // The UPDATE takes the account row's lock until commit: two senders never read the same index.
    await this.fxaRun('UPDATE fxa_accounts SET command_index = command_index + 1 WHERE uid = ?', uid);
    const got = await firstRow(this.db, 'SELECT command_index FROM fxa_accounts WHERE uid = ?', [uid]);
    if (!got) throw new Error(`fxaNextCommandIndex: no account ${uid}`);
    return Number(got.command_index);
  }

  async fxaInsertCommand(row: FxaCommandRow): Promise<void> {
    await this.fxaInsert('fxa_device_commands', COMMAND, row);
  }

  async fxaMarkDelivered(deviceId: string, index: number): Promise<void> {
    await this.fxaRun(
      'UPDATE fxa_devices SET delivered_index = ? WHERE id = ? AND delivered_index < ?',
      index,
      deviceId,
      index,
    );
  }

  async fxaDeleteDeliveredCommands(deviceId: string): Promise<number> {
    return this.fxaRun(
      `DELETE FROM fxa_device_commands
        WHERE device_id = ? AND idx <= (SELECT delivered_index FROM fxa_devices WHERE id = ?)`,
      deviceId,
      deviceId,
    );
  }

  async fxaDeviceCommands(
    deviceId: string,
    fromIndex: number,
    now: number,
    limit: number,
  ): Promise<FxaCommandRow[]> {
    return this.fxaRows(
      `SELECT ${COMMAND.columns} FROM fxa_device_commands
        WHERE device_id = ? AND idx >= ? AND expires_at > ? ORDER BY idx LIMIT ?`,
      COMMAND,
      deviceId,
      fromIndex,
      now,
      limit,
    );
  }

  async fxaLastCommandIndex(deviceId: string): Promise<number> {
    const row = await firstRow(this.db, 'SELECT MAX(idx) AS m FROM fxa_device_commands WHERE device_id = ?', [
      deviceId,
    ]);
    return Number(row?.m ?? 0);
  }

  async fxaPendingCommands(deviceId: string, now: number): Promise<number> {
    const row = await firstRow(
      this.db,
      'SELECT COUNT(*) AS n FROM fxa_device_commands WHERE device_id = ? AND expires_at > ?',
      [deviceId, now],
    );
    return Number(row?.n ?? 0);
  }

  async fxaPurgeCommands(now: number, max: number): Promise<number> {
    // Picked first, then deleted by key: no backend deletes with LIMIT the same way.
    const rows = await this.db.all(
      'SELECT device_id, idx FROM fxa_device_commands WHERE expires_at <= ? LIMIT ?',
      [now, Math.min(max, Math.floor(IN_LIST_MAX / 2))],
    );
    if (!rows.length) return 0;
    return this.db.run(
      `DELETE FROM fxa_device_commands WHERE (device_id, idx) IN (${rows.map(() => '(?, ?)').join(', ')})`,
      rows.flatMap((r) => [r.device_id, r.idx]),
    );
  }
}
