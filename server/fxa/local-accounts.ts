import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../context.js';
import type {
  FxaAccountRow,
  FxaCredentialsUpdate,
  FxaDeviceRow,
  FxaKeyFetchRow,
  FxaOAuthCodeRow,
  FxaRefreshTokenRow,
  FxaSessionRow,
} from '../db/fxa-types.js';
import { dropStorageUser } from '../db/storage-users.js';
import type { Tx } from '../db/types.js';
import { fromHex, toHex, xor } from './crypto/bytes.js';
import { createKeysBundle, deriveTokenCredentials, stretchPassword } from './crypto/onepw.js';
import { ERRNO, FxaError, invalidParam, invalidToken } from './errors.js';
import { checkAuthPW, newVerifier, randomKey, type ServerVerifier } from './password.js';
import { localFxaEmail } from './tokenserver-trust.js';
import { sessionDeviceId } from './session-device-id.js';

export const MAX_EMAIL_LENGTH = 255;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Emails are matched case-insensitively; the stored case is the PBKDF2 salt (spec §5.2). */
export function normalizeEmail(email: string): string {
  return email.toLowerCase();
}

export function checkEmail(email: string): void {
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email))
    throw invalidParam('email is not an e-mail address');
}

export interface IssuedTokens {
  uid: string;
  sessionToken: string;
  keyFetchToken?: string;
  /** Seconds. */
  authAt: number;
}

export interface LocalDevice {
  id: string;
  name: string;
  type: string;
  lastAccessTime: number;
}

export interface LocalAccountSummary {
  uid: string;
  email: string;
  createdAt: number;
  verifierSetAt: number;
  keysChangedAt: number;
  devices: LocalDevice[];
  /** When the tokenserver last handed out a Sync token for it (ms), null if never. */
  lastSync: number | null;
  /** Current Sync 1.5 storage user id, null before the first sync. */
  storageUid: number | null;
}

/** kA and wrapKb: what `/account/keys` delivers (spec §5.5). */
export interface AccountKeys {
  kA: Uint8Array;
  wrapKb: Uint8Array;
}

/** A new session (and key fetch token) inside the caller's transaction; only derived keys are stored. */
export async function issueTokens(
  tx: Tx,
  uid: string,
  now: number,
  keys: AccountKeys | null,
): Promise<IssuedTokens> {
  const session = new Uint8Array(randomBytes(32));
  const s = deriveTokenCredentials(session, 'sessionToken');
  await tx.fxaInsertSession({ id: s.id, uid, authKey: s.key, createdAt: now, lastAccessAt: now });
  const out: IssuedTokens = { uid, sessionToken: toHex(session), authAt: Math.floor(now / 1000) };
  if (keys)
    out.keyFetchToken = await insertKeyFetch(tx, uid, now, 'keyFetchToken', (extra) =>
      createKeysBundle(extra, keys.kA, keys.wrapKb),
    );
  return out;
}

/**
 * A new single-use token in the key fetch table (a key fetch or a password change token):
 * `bundle` makes its stored bundle from the token's derived `extra` key. Returns the token (hex).
 */
async function insertKeyFetch(
  tx: Tx,
  uid: string,
  now: number,
  kind: 'keyFetchToken' | 'passwordChangeToken',
  bundle: (extra: Uint8Array) => string,
): Promise<string> {
  const token = new Uint8Array(randomBytes(32));
  const t = deriveTokenCredentials(token, kind);
  await tx.fxaInsertKeyFetch({ id: t.id, uid, authKey: t.key, keyBundle: bundle(t.extra), createdAt: now });
  return toHex(token);
}

/**
 * The credentials of a password change that keeps kB (spec §5.6): the new verifier, the client's
 * `wrapKb = kB ⊕ newUnwrapBKey` re-wrapped for storage; kA and keysChangedAt stay, and only the
 * password generation (verifierSetAt) moves.
 */
function rewrap(
  current: FxaAccountRow,
  verifier: ServerVerifier,
  newWrapKb: Uint8Array,
  now: number,
): FxaCredentialsUpdate {
  return {
    authSalt: verifier.authSalt,
    verifyHash: verifier.verifyHash,
    kA: current.kA,
    wrapWrapKb: xor(newWrapKb, verifier.wrapwrapKey),
    keysChangedAt: current.keysChangedAt,
    verifierSetAt: after(now, current.verifierSetAt),
  };
}

/** Strictly after `previous`: equal stamps would look like "no change" to the tokenserver (S15 §3.3). */
function after(now: number, previous: number): number {
  return Math.max(now, previous + 1);
}

/**
 * Foxden's local accounts (fxa-local spec §5.3, §9): the one place that creates, checks,
 * re-keys and deletes them. Used by the auth API and by the owner's admin GUI.
 */
export class LocalAccounts {
  constructor(private readonly context: ServerContext) {}

  private now(): number {
    return this.context.clock();
  }

  /** Owner-created account: the client-side stretch is computed here from the password. */
  async create(email: string, password: string): Promise<{ uid: string }> {
    if (!password) throw invalidParam('password is empty');
    const { authPW } = stretchPassword(email, password);
    const { uid } = await this.createWithAuthPW(email, authPW, false);
    return { uid };
  }

  /**
   * Creates the account and its first session in one transaction: all or nothing. `givenUid`:
   * a directory person's account, whose uid comes from their directory id (directory-link.ts).
   */
  async createWithAuthPW(
    email: string,
    authPW: Uint8Array,
    withKeys: boolean,
    givenUid?: string,
  ): Promise<IssuedTokens> {
    checkEmail(email);
    const normalized = normalizeEmail(email);
    const exists = await this.context.db.transaction('read', (tx) => tx.fxaAccountByEmail(normalized));
    if (exists) throw accountExists();
    const verifier = await newVerifier(authPW);
    // kB = wrapKb ⊕ unwrapBKey with wrapKb = wrapWrapKb ⊕ wrapwrapKey: a random wrapWrapKb is a random kB.
    const wrapWrapKb = randomKey();
    return this.context.db.transaction('write', async (tx) => {
      if (await tx.fxaAccountByEmail(normalized)) throw accountExists();
      const now = this.now();
      const uid = givenUid ?? randomBytes(16).toString('hex');
      if (givenUid && (await tx.fxaAccountByUid(givenUid))) throw accountExists();
      const kA = randomKey();
      await tx.fxaInsertAccount({
        uid,
        email,
        normalizedEmail: normalized,
        authSalt: verifier.authSalt,
        verifyHash: verifier.verifyHash,
        kA,
        wrapWrapKb,
        verifierSetAt: now,
        keysChangedAt: now,
        createdAt: now,
      });
      return issueTokens(
        tx,
        uid,
        now,
        withKeys ? { kA, wrapKb: xor(wrapWrapKb, verifier.wrapwrapKey) } : null,
      );
    });
  }

  async findByEmail(email: string): Promise<FxaAccountRow | null> {
    return this.context.db.transaction('read', (tx) => tx.fxaAccountByEmail(normalizeEmail(email)));
  }

  /** The account's wrapKb when authPW is right, null when wrong. */
  async checkPassword(account: FxaAccountRow, authPW: Uint8Array): Promise<Uint8Array | null> {
    return checkAuthPW(authPW, account);
  }

  async list(): Promise<LocalAccountSummary[]> {
    return this.context.db.transaction('read', async (tx) => {
      const accounts = await tx.fxaListAccounts();
      const out: LocalAccountSummary[] = [];
      for (const a of accounts) {
        const rows = await tx.tokenserverUsersByEmail(localFxaEmail(a.uid), 20);
        const current = rows.find((r) => r.replacedAt === null) ?? null;
        const devices = (await tx.fxaDevices(a.uid)).map((d) => ({
          id: d.id,
          name: d.name,
          type: d.type,
          lastAccessTime: d.lastAccessAt,
        }));
        out.push({
          uid: a.uid,
          email: a.email,
          createdAt: a.createdAt,
          verifierSetAt: a.verifierSetAt,
          keysChangedAt: a.keysChangedAt,
          devices,
          lastSync: rows.length ? Math.max(...rows.map((r) => r.lastSeenAt)) : null,
          storageUid: current?.uid ?? null,
        });
      }
      return out;
    });
  }

  /**
   * Deletes the account with its sessions, tokens, devices, tokenserver rows and Sync 1.5
   * storage, in one transaction (spec §9). False when there was no such account.
   */
  async delete(uid: string): Promise<boolean> {
    return this.context.db.transaction('write', async (tx) => {
      if (!(await tx.fxaAccountByUid(uid))) return false;
      for (const storageUid of await tx.deleteTokenserverUsers(localFxaEmail(uid)))
        await dropStorageUser(tx, storageUid);
      return tx.fxaDeleteAccount(uid);
    });
  }

  /**
   * The owner sets a temporary password without knowing the old one (spec §9): kB cannot be
   * kept, so a new random one is made (new wrapWrapKb, keysChangedAt = verifierSetAt = now)
   * and every session ends. The old Sync data becomes unreadable; devices sign in again.
   */
  async resetPassword(uid: string, newPassword: string): Promise<void> {
    if (!newPassword) throw invalidParam('password is empty');
    const account = await this.context.db.transaction('read', (tx) => tx.fxaAccountByUid(uid));
    if (!account) throw unknownAccount();
    const verifier = await newVerifier(stretchPassword(account.email, newPassword).authPW);
    await this.context.db.transaction('write', async (tx) => {
      const current = await tx.fxaAccountByUid(uid);
      if (!current) throw unknownAccount();
      const keysChangedAt = after(this.now(), current.keysChangedAt);
      await tx.fxaUpdateCredentials(uid, {
        authSalt: verifier.authSalt,
        verifyHash: verifier.verifyHash,
        kA: randomKey(),
        wrapWrapKb: randomKey(),
        keysChangedAt,
        verifierSetAt: Math.max(keysChangedAt, after(this.now(), current.verifierSetAt)),
      });
      await endEverything(tx, uid, null);
    });
  }

  /**
   * A directory person's new directory password (issue 14 item 3): the bind proved it, so the
   * verifier becomes the new authPW's without the old one. With `newWrapKb` (the same kB
   * re-wrapped, from the previous password) kA, kB and keysChangedAt stay, as in a password
   * change; with null the keys are new, as in the owner's reset, and data synced so far becomes
   * unreadable. Every session ends either way. Refused when the account changed since `account`
   * was read.
   */
  async replaceDirectoryPassword(
    account: FxaAccountRow,
    newAuthPW: Uint8Array,
    newWrapKb: Uint8Array | null,
  ): Promise<void> {
    const verifier = await newVerifier(newAuthPW);
    await this.context.db.transaction('write', async (tx) => {
      const current = await tx.fxaAccountByUid(account.uid);
      if (!current) throw unknownAccount();
      if (current.verifierSetAt !== account.verifierSetAt) throw passwordChangedMeanwhile();
      const now = this.now();
      if (newWrapKb) {
        await tx.fxaUpdateCredentials(account.uid, rewrap(current, verifier, newWrapKb, now));
      } else {
        const keysChangedAt = after(now, current.keysChangedAt);
        await tx.fxaUpdateCredentials(account.uid, {
          authSalt: verifier.authSalt,
          verifyHash: verifier.verifyHash,
          kA: randomKey(),
          wrapWrapKb: randomKey(),
          keysChangedAt,
          verifierSetAt: Math.max(keysChangedAt, after(now, current.verifierSetAt)),
        });
      }
      await endEverything(tx, account.uid, null);
    });
  }

  /**
   * FxA's `/password/change/start` after the old password was checked (it gave `wrapKb`): a
   * key fetch token for the current wrapKb and a password change token, both single use and
   * short-lived. Refused when the password changed since `account` was read.
   */
  async startPasswordChange(
    account: FxaAccountRow,
    wrapKb: Uint8Array,
    now: number,
  ): Promise<{ keyFetchToken: string; passwordChangeToken: string }> {
    return this.context.db.transaction('write', async (tx) => {
      const current = await tx.fxaAccountByUid(account.uid);
      if (!current) throw unknownAccount();
      if (current.verifierSetAt !== account.verifierSetAt) throw passwordChangedMeanwhile();
      const keyFetchToken = await insertKeyFetch(tx, account.uid, now, 'keyFetchToken', (extra) =>
        createKeysBundle(extra, current.kA, wrapKb),
      );
      const passwordChangeToken = await insertKeyFetch(
        tx,
        account.uid,
        now,
        'passwordChangeToken',
        () => `${PASSWORD_CHANGE_MARK}${current.verifierSetAt}`,
      );
      return { keyFetchToken, passwordChangeToken };
    });
  }

  /** A password change token by its Hawk id, null when unknown (or a key fetch token's id). */
  async passwordChangeToken(id: string): Promise<PasswordChangeToken | null> {
    const row = await this.context.db.transaction('read', (tx) => tx.fxaKeyFetch(id));
    return row ? passwordChangeTokenOf(row) : null;
  }

  /**
   * FxA's `/password/change/finish`, in one transaction: takes the token, stores the new
   * verifier and `wrapWrapKb` (same kB, kA and keysChangedAt; verifierSetAt moves), ends every
   * session, and gives the originating session's successor (null when none was named). The
   * originating session's device moves to the successor, so Firefox's re-registration after
   * `fxaccounts:change_password` finds it; other devices stay listed, unbound, until their
   * Firefox signs in again (docs/research/firefox-device-commands.md §4.4).
   */
  async finishPasswordChange(
    token: PasswordChangeToken,
    verifier: ServerVerifier,
    newWrapKb: Uint8Array,
    originSessionId: string | null,
    /** A key fetch token of the new wrapKb with the new session too (FxA's `?keys=true`). */
    withKeys: boolean,
    now: number,
  ): Promise<IssuedTokens | null> {
    return this.context.db.transaction('write', async (tx) => {
      if (!(await tx.fxaDeleteKeyFetch(token.id))) throw invalidToken('password change token already used');
      const current = await tx.fxaAccountByUid(token.uid);
      if (!current) throw invalidToken('account gone');
      if (current.verifierSetAt !== token.verifierSetAt)
        throw invalidToken('the password changed since this password change started');
      const origin = originSessionId ? await tx.fxaSession(originSessionId) : null;
      if (originSessionId && (!origin || origin.uid !== token.uid))
        throw invalidToken('the session to replace is not one of this account’s');
      await tx.fxaUpdateCredentials(token.uid, rewrap(current, verifier, newWrapKb, now));
      const originDevice = origin ? await tx.fxaDeviceBySession(origin.id) : null;
      for (const device of await tx.fxaDevices(token.uid))
        if (device.sessionId !== null) await tx.fxaUpdateDevice({ ...device, sessionId: null });
      await endEverything(tx, token.uid, null);
      if (!origin) return null;
      const tokens = await issueTokens(
        tx,
        token.uid,
        now,
        withKeys ? { kA: current.kA, wrapKb: newWrapKb } : null,
      );
      if (originDevice) {
        const successor = deriveTokenCredentials(fromHex(tokens.sessionToken), 'sessionToken').id;
        await tx.fxaUpdateDevice({ ...originDevice, sessionId: successor, lastAccessAt: now });
        // Its Firefox forgets its place in the queue (FxAccountsWebChannel changePassword) and
        // asks from index 0 next: what it was already handed would come again, tabs reopening.
        await tx.fxaDeleteDeliveredCommands(originDevice.id);
      }
      return tokens;
    });
  }

  /** "Sign out everywhere": every session of the account ends (with its device), and its tokens. */
  async signOutEverywhere(uid: string): Promise<number> {
    return this.context.db.transaction('write', async (tx) => {
      const sessions = (await tx.fxaSessions(uid)).length;
      await endEverything(tx, uid, null);
      return sessions;
    });
  }

  // What the accounts API's routes read and write, one transaction per call as before.

  async byUid(uid: string): Promise<FxaAccountRow | null> {
    return this.context.db.transaction('read', (tx) => tx.fxaAccountByUid(uid));
  }

  /**
   * Sign-in after a correct password: new session (and key fetch token with `keys`), unless
   * the password changed since `account` was read, which would make `keys.wrapKb` stale.
   */
  async signIn(
    account: FxaAccountRow,
    now: number,
    keys: { kA: Uint8Array; wrapKb: Uint8Array } | null,
  ): Promise<IssuedTokens> {
    return this.context.db.transaction('write', async (tx) => {
      const current = await tx.fxaAccountByUid(account.uid);
      if (!current) throw unknownAccount();
      if (current.verifierSetAt !== account.verifierSetAt) throw passwordChangedMeanwhile();
      return issueTokens(tx, account.uid, now, keys);
    });
  }

  async session(id: string): Promise<FxaSessionRow | null> {
    return this.context.db.transaction('read', (tx) => tx.fxaSession(id));
  }

  async touchSession(id: string, now: number): Promise<void> {
    await this.context.db.transaction('write', (tx) => tx.fxaTouchSession(id, now));
  }

  async destroySession(id: string): Promise<void> {
    await this.context.db.transaction('write', (tx) => tx.fxaDeleteSession(id));
  }

  async keyFetch(id: string): Promise<FxaKeyFetchRow | null> {
    return this.context.db.transaction('read', (tx) => tx.fxaKeyFetch(id));
  }

  /** Single use: false when the key fetch token was already taken. */
  async takeKeyFetch(id: string): Promise<boolean> {
    return this.context.db.transaction('write', (tx) => tx.fxaDeleteKeyFetch(id));
  }

  /**
   * Registers or updates a session's device (spec §4.1 #8): the named device, else this
   * session's; a device is bound to one session. `commands` maps the stored available
   * commands (or `{}` for a new device) to the new ones.
   */
  async saveDevice(
    session: FxaSessionRow,
    update: DeviceUpdate,
    commands: (previous: string) => string,
    now: number,
  ): Promise<FxaDeviceRow> {
    const { id, name, type, pushCallback, pushPublicKey, pushAuthKey } = update;
    return this.context.db.transaction('write', async (tx) => {
      // Locks the session's row first: Firefox registers twice at once after sign-in (its own
      // registration and the device list's, research §5.3), and the second must find the first's device.
      await tx.fxaTouchSession(session.id, now);
      const existing = id ? await tx.fxaDevice(id) : await tx.fxaDeviceBySession(session.id);
      if (id && (!existing || existing.uid !== session.uid)) throw unknownDevice();
      // Another live session's device is not the caller's to take: only an unbound one (left by
      // a password change, research §4.4) is rebound, when its Firefox signs in again.
      if (
        existing?.sessionId &&
        existing.sessionId !== session.id &&
        (await tx.fxaSession(existing.sessionId))
      )
        throw unknownDevice();
      if (existing) {
        if (existing.sessionId !== session.id) {
          const other = await tx.fxaDeviceBySession(session.id);
          if (other && other.id !== existing.id) await tx.fxaDeleteDevice(other.id);
          // A Firefox signing in again may start its queue from index 0, as after a password change.
          await tx.fxaDeleteDeliveredCommands(existing.id);
        }
        const updated: FxaDeviceRow = {
          ...existing,
          sessionId: session.id,
          name: name ?? existing.name,
          type: type ?? existing.type,
          pushCallback: pushCallback !== undefined ? pushCallback : existing.pushCallback,
          pushPublicKey: pushPublicKey !== undefined ? pushPublicKey : existing.pushPublicKey,
          pushAuthKey: pushAuthKey !== undefined ? pushAuthKey : existing.pushAuthKey,
          availableCommands: commands(existing.availableCommands),
          lastAccessAt: now,
        };
        await tx.fxaUpdateDevice(updated);
        return updated;
      }
      if (!name) throw new FxaError(400, ERRNO.MISSING_PARAMETER, 'Missing parameter in request body: name');
      // The id GET /account/devices showed for this session before it registered, unless taken.
      const reserved = sessionDeviceId(session.id);
      const created: FxaDeviceRow = {
        // Never taken: a session's own device is the only one with its reserved id, and no
        // other live session can take a device over.
        id: reserved,
        uid: session.uid,
        sessionId: session.id,
        name,
        type: type ?? 'desktop',
        pushCallback: pushCallback ?? null,
        pushPublicKey: pushPublicKey ?? null,
        pushAuthKey: pushAuthKey ?? null,
        availableCommands: commands('{}'),
        createdAt: now,
        lastAccessAt: now,
      };
      await tx.fxaInsertDevice(created);
      return created;
    });
  }

  async devices(uid: string): Promise<FxaDeviceRow[]> {
    return this.context.db.transaction('read', (tx) => tx.fxaDevices(uid));
  }

  /** Deletes one of the account's devices; another account's or a missing one is unknownDevice. */
  async destroyDevice(uid: string, id: string): Promise<void> {
    await this.context.db.transaction('write', async (tx) => {
      const device = await tx.fxaDevice(id);
      if (!device || device.uid !== uid) throw unknownDevice();
      await tx.fxaDeleteDevice(id);
      // Its Firefox is signed out with it, as in FxA: the next accounts call it makes is 401/110.
      if (device.sessionId) await tx.fxaDeleteSession(device.sessionId);
    });
  }

  /**
   * Stores an OAuth code. Expired codes and key fetch tokens are purged in the same
   * transaction, so no timer is needed to keep the tables small.
   */
  async saveCode(row: FxaOAuthCodeRow, now: number, keyFetchLifetimeMs: number): Promise<void> {
    await this.context.db.transaction('write', async (tx) => {
      await tx.fxaPurge(now, now - keyFetchLifetimeMs);
      await tx.fxaInsertCode(row);
    });
  }

  /** Takes (deletes) a code whatever the caller does next: a code is used once. */
  async takeCode(codeHash: string): Promise<FxaOAuthCodeRow | null> {
    return this.context.db.transaction('write', (tx) => tx.fxaTakeCode(codeHash));
  }

  /** `sessionId`: the session that obtained it; the token ends with that session. */
  async saveRefreshToken(row: FxaRefreshTokenRow, sessionId: string): Promise<void> {
    await this.context.db.transaction('write', (tx) => tx.fxaInsertRefreshToken(row, sessionId));
  }

  async refreshToken(tokenHash: string): Promise<FxaRefreshTokenRow | null> {
    return this.context.db.transaction('read', (tx) => tx.fxaRefreshToken(tokenHash));
  }

  async touchRefreshToken(tokenHash: string, now: number): Promise<void> {
    await this.context.db.transaction('write', (tx) => tx.fxaTouchRefreshToken(tokenHash, now));
  }

  async deleteRefreshToken(tokenHash: string): Promise<void> {
    await this.context.db.transaction('write', (tx) => tx.fxaDeleteRefreshToken(tokenHash));
  }
}

/** The fields of `POST /account/device`; undefined leaves an existing device's value. */
export interface DeviceUpdate {
  id?: string | undefined;
  name?: string | undefined;
  type?: string | undefined;
  pushCallback?: string | undefined;
  pushPublicKey?: string | undefined;
  pushAuthKey?: string | undefined;
}

/**
 * A password change token lives in the key fetch table (same lifetime, single use, purged and
 * ended alike); its bundle column holds this mark and the password generation it was issued
 * for instead of a keys bundle, which is always hex.
 */
const PASSWORD_CHANGE_MARK = 'password-change:';

export interface PasswordChangeToken {
  id: string;
  uid: string;
  authKey: Uint8Array;
  /** The account's verifierSetAt when the old password was checked. */
  verifierSetAt: number;
  createdAt: number;
}

/** The row as a password change token, null for a key fetch token. */
export function passwordChangeTokenOf(row: FxaKeyFetchRow): PasswordChangeToken | null {
  if (!row.keyBundle.startsWith(PASSWORD_CHANGE_MARK)) return null;
  const verifierSetAt = Number(row.keyBundle.slice(PASSWORD_CHANGE_MARK.length));
  if (!Number.isSafeInteger(verifierSetAt)) return null;
  return { id: row.id, uid: row.uid, authKey: row.authKey, verifierSetAt, createdAt: row.createdAt };
}

/** Ends sessions (but `keepSessionId`), key fetch tokens, codes and refresh tokens. */
async function endEverything(tx: Tx, uid: string, keepSessionId: string | null): Promise<void> {
  await tx.fxaDeleteSessions(uid, keepSessionId);
  await tx.fxaDeleteKeyFetchTokens(uid);
  await tx.fxaDeleteCodes(uid);
  await tx.fxaDeleteRefreshTokens(uid);
}

export const accountExists = () => new FxaError(400, ERRNO.ACCOUNT_EXISTS, 'Account already exists');
export const unknownAccount = () => new FxaError(400, ERRNO.UNKNOWN_ACCOUNT, 'Unknown account');
export const incorrectPassword = () => new FxaError(400, ERRNO.INCORRECT_PASSWORD, 'Incorrect password');
/**
 * The password changed between its check and the write (another change, the owner's reset):
 * the checked password is no longer the account's, so it is answered as a wrong one (Firefox
 * and the page ask for the password again; 110 would make Firefox drop its credentials).
 */
export const passwordChangedMeanwhile = () =>
  new FxaError(400, ERRNO.INCORRECT_PASSWORD, 'Incorrect password', {}, 'the password changed meanwhile');
export const unknownDevice = () => new FxaError(400, ERRNO.UNKNOWN_DEVICE, 'Unknown device');
