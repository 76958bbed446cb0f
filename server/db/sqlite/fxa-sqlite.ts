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
import type { StatementCache } from './statements.js';

type Raw = Record<string, unknown>;
const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Buffer);
const buf = (b: Uint8Array): Buffer => Buffer.from(b);

const ACCOUNT =
  'uid, email, normalized_email, auth_salt, verify_hash, ka, wrap_wrap_kb, verifier_set_at, keys_changed_at, created_at';
function account(r: Raw): FxaAccountRow {
  return {
    uid: r.uid as string,
    email: r.email as string,
    normalizedEmail: r.normalized_email as string,
    authSalt: bytes(r.auth_salt),
    verifyHash: bytes(r.verify_hash),
    kA: bytes(r.ka),
    wrapWrapKb: bytes(r.wrap_wrap_kb),
    verifierSetAt: r.verifier_set_at as number,
    keysChangedAt: r.keys_changed_at as number,
    createdAt: r.created_at as number,
  };
}

const SESSION = 'id, uid, auth_key, created_at, last_access_at';
function session(r: Raw): FxaSessionRow {
  return {
    id: r.id as string,
    uid: r.uid as string,
    authKey: bytes(r.auth_key),
    createdAt: r.created_at as number,
    lastAccessAt: r.last_access_at as number,
  };
}

const CODE =
  'code_hash, uid, session_id, client_id, scope, code_challenge, keys_jwe, offline, auth_at, created_at, expires_at';
function code(r: Raw): FxaOAuthCodeRow {
  return {
    codeHash: r.code_hash as string,
    uid: r.uid as string,
    sessionId: r.session_id as string | null,
    clientId: r.client_id as string,
    scope: r.scope as string,
    codeChallenge: r.code_challenge as string,
    keysJwe: r.keys_jwe as string | null,
    offline: r.offline === 1,
    authAt: r.auth_at as number,
    createdAt: r.created_at as number,
    expiresAt: r.expires_at as number,
  };
}

const REFRESH = 'token_hash, uid, client_id, scope, created_at, last_used_at';
function refresh(r: Raw): FxaRefreshTokenRow {
  return {
    tokenHash: r.token_hash as string,
    uid: r.uid as string,
    clientId: r.client_id as string,
    scope: r.scope as string,
    createdAt: r.created_at as number,
    lastUsedAt: r.last_used_at as number,
  };
}

const DEVICE =
  'id, uid, session_id, name, type, push_callback, push_public_key, push_auth_key, available_commands, created_at, last_access_at';
function device(r: Raw): FxaDeviceRow {
  return {
    id: r.id as string,
    uid: r.uid as string,
    sessionId: r.session_id as string | null,
    name: r.name as string,
    type: r.type as string,
    pushCallback: r.push_callback as string | null,
    pushPublicKey: r.push_public_key as string | null,
    pushAuthKey: r.push_auth_key as string | null,
    availableCommands: r.available_commands as string,
    createdAt: r.created_at as number,
    lastAccessAt: r.last_access_at as number,
  };
}

export class SqliteFxa implements FxaTx {
  constructor(private readonly s: StatementCache) {}

  private fxaRow<T>(sql: string, map: (r: Raw) => T, ...args: unknown[]): T | null {
    const row = this.s.get(sql).get(...args) as Raw | undefined;
    return row ? map(row) : null;
  }

  private fxaRun(sql: string, ...args: unknown[]): number {
    return this.s.get(sql).run(...args).changes;
  }

  fxaAccountByUid(uid: string): FxaAccountRow | null {
    return this.fxaRow(`SELECT ${ACCOUNT} FROM fxa_accounts WHERE uid = ?`, account, uid);
  }

  fxaAccountByEmail(normalizedEmail: string): FxaAccountRow | null {
    return this.fxaRow(
      `SELECT ${ACCOUNT} FROM fxa_accounts WHERE normalized_email = ?`,
      account,
      normalizedEmail,
    );
  }

  fxaListAccounts(): FxaAccountRow[] {
    return (this.s.get(`SELECT ${ACCOUNT} FROM fxa_accounts ORDER BY normalized_email`).all() as Raw[]).map(
      account,
    );
  }

  fxaInsertAccount(a: FxaAccountRow): void {
    this.s
      .get(`INSERT INTO fxa_accounts (${ACCOUNT}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        a.uid,
        a.email,
        a.normalizedEmail,
        buf(a.authSalt),
        buf(a.verifyHash),
        buf(a.kA),
        buf(a.wrapWrapKb),
        a.verifierSetAt,
        a.keysChangedAt,
        a.createdAt,
      );
  }

  fxaUpdateCredentials(uid: string, u: FxaCredentialsUpdate): boolean {
    return (
      this.fxaRun(
        `UPDATE fxa_accounts SET auth_salt = ?, verify_hash = ?, ka = ?, wrap_wrap_kb = ?, verifier_set_at = ?, keys_changed_at = ? WHERE uid = ?`,
        buf(u.authSalt),
        buf(u.verifyHash),
        buf(u.kA),
        buf(u.wrapWrapKb),
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
    this.s
      .get(`INSERT INTO fxa_session_tokens (${SESSION}) VALUES (?, ?, ?, ?, ?)`)
      .run(r.id, r.uid, buf(r.authKey), r.createdAt, r.lastAccessAt);
  }

  fxaSession(id: string): FxaSessionRow | null {
    return this.fxaRow(`SELECT ${SESSION} FROM fxa_session_tokens WHERE id = ?`, session, id);
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
    return (
      this.s
        .get(`SELECT ${SESSION} FROM fxa_session_tokens WHERE uid = ? ORDER BY created_at`)
        .all(uid) as Raw[]
    ).map(session);
  }

  fxaInsertKeyFetch(r: FxaKeyFetchRow): void {
    this.s
      .get(
        'INSERT INTO fxa_key_fetch_tokens (id, uid, auth_key, key_bundle, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(r.id, r.uid, buf(r.authKey), r.keyBundle, r.createdAt);
  }

  fxaKeyFetch(id: string): FxaKeyFetchRow | null {
    return this.fxaRow(
      'SELECT id, uid, auth_key, key_bundle, created_at FROM fxa_key_fetch_tokens WHERE id = ?',
      (r) => ({
        id: r.id as string,
        uid: r.uid as string,
        authKey: bytes(r.auth_key),
        keyBundle: r.key_bundle as string,
        createdAt: r.created_at as number,
      }),
      id,
    );
  }

  fxaDeleteKeyFetch(id: string): boolean {
    return this.fxaRun('DELETE FROM fxa_key_fetch_tokens WHERE id = ?', id) > 0;
  }

  fxaDeleteKeyFetchTokens(uid: string): void {
    this.fxaRun('DELETE FROM fxa_key_fetch_tokens WHERE uid = ?', uid);
  }

  fxaInsertCode(c: FxaOAuthCodeRow): void {
    this.s
      .get(`INSERT INTO fxa_oauth_codes (${CODE}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        c.codeHash,
        c.uid,
        c.sessionId,
        c.clientId,
        c.scope,
        c.codeChallenge,
        c.keysJwe,
        c.offline ? 1 : 0,
        c.authAt,
        c.createdAt,
        c.expiresAt,
      );
  }

  fxaTakeCode(codeHash: string): FxaOAuthCodeRow | null {
    const row = this.fxaRow(`SELECT ${CODE} FROM fxa_oauth_codes WHERE code_hash = ?`, code, codeHash);
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
    this.s
      .get(`INSERT INTO fxa_refresh_tokens (${REFRESH}) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(r.tokenHash, r.uid, r.clientId, r.scope, r.createdAt, r.lastUsedAt);
  }

  fxaRefreshToken(tokenHash: string): FxaRefreshTokenRow | null {
    return this.fxaRow(`SELECT ${REFRESH} FROM fxa_refresh_tokens WHERE token_hash = ?`, refresh, tokenHash);
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
    this.s
      .get(`INSERT INTO fxa_devices (${DEVICE}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        d.id,
        d.uid,
        d.sessionId,
        d.name,
        d.type,
        d.pushCallback,
        d.pushPublicKey,
        d.pushAuthKey,
        d.availableCommands,
        d.createdAt,
        d.lastAccessAt,
      );
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
    return this.fxaRow(`SELECT ${DEVICE} FROM fxa_devices WHERE id = ?`, device, id);
  }

  fxaDeviceBySession(sessionId: string): FxaDeviceRow | null {
    return this.fxaRow(`SELECT ${DEVICE} FROM fxa_devices WHERE session_id = ?`, device, sessionId);
  }

  fxaDevices(uid: string): FxaDeviceRow[] {
    return (
      this.s.get(`SELECT ${DEVICE} FROM fxa_devices WHERE uid = ? ORDER BY created_at, id`).all(uid) as Raw[]
    ).map(device);
  }

  fxaDeleteDevice(id: string): boolean {
    return this.fxaRun('DELETE FROM fxa_devices WHERE id = ?', id) > 0;
  }
}
