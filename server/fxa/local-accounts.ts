import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../context.js';
import type { FxaAccountRow } from '../db/fxa-types.js';
import { dropStorageUser } from '../db/storage-users.js';
import type { Tx } from '../db/types.js';
import { toHex, xor } from './crypto/bytes.js';
import { createKeysBundle, deriveTokenCredentials, stretchPassword } from './crypto/onepw.js';
import { ERRNO, FxaError, invalidParam } from './errors.js';
import { checkAuthPW, newVerifier, randomKey } from './password.js';
import { localFxaEmail } from './tokenserver-trust.js';

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
  if (keys) {
    const keyFetch = new Uint8Array(randomBytes(32));
    const k = deriveTokenCredentials(keyFetch, 'keyFetchToken');
    const keyBundle = createKeysBundle(k.extra, keys.kA, keys.wrapKb);
    await tx.fxaInsertKeyFetch({ id: k.id, uid, authKey: k.key, keyBundle, createdAt: now });
    out.keyFetchToken = toHex(keyFetch);
  }
  return out;
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

  /** Creates the account and its first session in one transaction: all or nothing. */
  async createWithAuthPW(email: string, authPW: Uint8Array, withKeys: boolean): Promise<IssuedTokens> {
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
      const uid = randomBytes(16).toString('hex');
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
   * A password change by the user, who knows the old password (spec §5.6, §9): the client
   * re-wraps the same kB (`wrapKb = kB ⊕ newUnwrapBKey`), so keysChangedAt stays and only
   * verifierSetAt moves. Other sessions end; `keepSessionId` survives.
   */
  async changePassword(
    uid: string,
    oldAuthPW: Uint8Array,
    newAuthPW: Uint8Array,
    newWrapKb: Uint8Array,
    keepSessionId: string | null,
  ): Promise<void> {
    const account = await this.context.db.transaction('read', (tx) => tx.fxaAccountByUid(uid));
    if (!account) throw unknownAccount();
    if (!(await checkAuthPW(oldAuthPW, account))) throw incorrectPassword();
    const verifier = await newVerifier(newAuthPW);
    await this.context.db.transaction('write', async (tx) => {
      const current = await tx.fxaAccountByUid(uid);
      if (!current || current.verifierSetAt !== account.verifierSetAt)
        throw new FxaError(409, ERRNO.INVALID_TOKEN, 'The password changed meanwhile; try again');
      await tx.fxaUpdateCredentials(uid, {
        authSalt: verifier.authSalt,
        verifyHash: verifier.verifyHash,
        kA: current.kA,
        wrapWrapKb: xor(newWrapKb, verifier.wrapwrapKey),
        keysChangedAt: current.keysChangedAt,
        verifierSetAt: after(this.now(), current.verifierSetAt),
      });
      await endEverything(tx, uid, keepSessionId);
    });
  }
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
