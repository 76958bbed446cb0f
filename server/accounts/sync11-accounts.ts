import type { Database, Sync11UserRow } from '../db/types.js';
import { nowMillis, type Millis } from '../storage/timestamps.js';
import { VersionedCache } from '../db/versioned-cache.js';
import { CredentialCache, type CredentialCacheOptions } from './credential-cache.js';
import { hashPassword, isBcryptHash, verifyPassword, BCRYPT_COST } from './password-hash.js';
import { isStrongPassword, isValidEmail, isValidUsername } from './usernames.js';

export type AccountErrorReason = 'exists' | 'invalid-username' | 'weak-password' | 'invalid-email';

/** A refused account operation, with a reason the HTTP layer and the CLI can each word. */
export class AccountError extends Error {
  constructor(
    readonly reason: AccountErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** An account as shown to the owner: never the password hash. */
export interface Sync11Account {
  userId: number;
  username: string;
  email: string | null;
  /** 1 = enabled; anything else refuses logins (spec 1.1 §4.1 step 7). */
  status: number;
  created: Millis;
}

export type LoginOutcome =
  | { ok: true; account: Sync11Account }
  /** `not-in-group`, `ambiguous`: directory accounts only (directory-accounts.ts). */
  | { ok: false; reason: 'unknown-user' | 'disabled' | 'wrong-password' | 'not-in-group' | 'ambiguous' };

/** What Sync 1.1's Basic auth asks of an accounts backend: own accounts or the directory's. */
export interface Sync11Login {
  authenticate(
    username: string,
    password: string,
    guardSlowCheck?: (check: () => Promise<boolean>) => Promise<boolean>,
  ): Promise<LoginOutcome>;
  exists(username: string): Promise<boolean>;
}

export interface Sync11AccountsOptions {
  clock?: () => number;
  cache?: CredentialCacheOptions;
  /** Lower only in tests; production hashes use BCRYPT_COST. */
  bcryptCost?: number;
  /** The slow password check; replaceable so tests can count how often it runs. */
  checkPassword?: (password: string, storedHash: string) => Promise<boolean>;
}

/** Accounts whose rows Basic auth keeps in memory; a household has a handful. */
const USER_ROW_CACHE_SIZE = 256;

function toAccount(row: Sync11UserRow): Sync11Account {
  return {
    userId: row.userId,
    username: row.username,
    email: row.email,
    status: row.status,
    created: row.created,
  };
}

/** Usernames are stored lowercase; the URL-vs-auth comparison stays exact (spec 1.1 §3.3 [REC]). */
export function canonicalUsername(username: string): string {
  return username.toLowerCase();
}

/**
 * Sync 1.1 accounts: the one place that creates, checks, changes and deletes them, used by
 * the HTTP User API, the CLI and the admin GUI. Every change is one transaction.
 */
export class Sync11Accounts {
  private readonly clock: () => number;
  private readonly cost: number;
  private readonly cache: CredentialCache;
  private readonly checkPassword: (password: string, storedHash: string) => Promise<boolean>;
  /** Concurrent first requests with the same credentials share one password check. */
  private readonly pending = new Map<string, Promise<boolean>>();
  /**
   * Rows (null: no such user) as last read, while the user's version stands: Basic auth
   * sends the credentials with every request, and the row changes only by a write — here,
   * by the CLI in another process or through another node, which Database.userVersion sees.
   */
  private readonly rows = new VersionedCache<string, Readonly<Sync11UserRow> | null>(USER_ROW_CACHE_SIZE);
  /** The storage user id behind each name seen, for its version; an account keeps its id. */
  private readonly userIds = new Map<string, number>();

  constructor(
    private readonly db: Database,
    options: Sync11AccountsOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.cost = options.bcryptCost ?? BCRYPT_COST;
    this.cache = new CredentialCache({ clock: this.clock, ...options.cache });
    this.checkPassword = options.checkPassword ?? verifyPassword;
  }

  async find(username: string): Promise<Sync11Account | null> {
    const row = await this.db.transaction('read', (tx) => tx.findSync11User(canonicalUsername(username)));
    return row ? toAccount(row) : null;
  }

  async exists(username: string): Promise<boolean> {
    return (await this.find(username)) !== null;
  }

  async list(): Promise<Sync11Account[]> {
    const rows = await this.db.transaction('read', (tx) => tx.listSync11Users());
    return rows.map(toAccount);
  }

  /** Creates an account with its own storage owner; throws AccountError when refused. */
  async create(username: string, password: string, email: string | null = null): Promise<Sync11Account> {
    if (!isValidUsername(username)) {
      throw new AccountError(
        'invalid-username',
        'Usernames are 1–32 characters from a–z, 0–9, ".", "_" and "-".',
      );
    }
    const name = canonicalUsername(username);
    if (!isStrongPassword(name, password)) {
      throw new AccountError(
        'weak-password',
        'Passwords need at least 8 characters and must differ from the username.',
      );
    }
    if (email !== null && !isValidEmail(email)) {
      throw new AccountError('invalid-email', 'That e-mail address is not valid.');
    }
    const passwordHash = await hashPassword(password, this.cost);
    return this.db.transaction('write', async (tx) => {
      if (await tx.findSync11User(name))
        throw new AccountError('exists', `The account ${name} already exists.`);
      const created = nowMillis(this.clock);
      const userId = await tx.createStorageUser('sync11', created);
      const row: Sync11UserRow = { userId, username: name, passwordHash, email, status: 1, created };
      await tx.insertSync11User(row);
      return toAccount(row);
    });
  }

  /**
   * The account when the password is right and the account enabled, else null. The slow
   * hash is checked once; after that a cached HMAC of the credentials answers.
   */
  async verify(username: string, password: string): Promise<Sync11Account | null> {
    const outcome = await this.authenticate(username, password);
    return outcome.ok ? outcome.account : null;
  }

  /**
   * Like verify, but says why a login failed (for the log, never for the client).
   * `guardSlowCheck` wraps the slow password check only (not a credential-cache hit), so a
   * caller can throttle or reserve around it; whatever it throws comes out of here.
   */
  async authenticate(
    username: string,
    password: string,
    guardSlowCheck?: (check: () => Promise<boolean>) => Promise<boolean>,
  ): Promise<LoginOutcome> {
    const name = canonicalUsername(username);
    const row = await this.currentRow(name);
    if (!row) return { ok: false, reason: 'unknown-user' };
    if (row.status !== 1) return { ok: false, reason: 'disabled' };
    const key = this.cache.keyFor(name, password, row.passwordHash);
    if (this.cache.has(key)) return { ok: true, account: toAccount(row) };
    let check = this.pending.get(key);
    if (!check) {
      const slow = () => this.checkPassword(password, row.passwordHash);
      check = guardSlowCheck ? guardSlowCheck(slow) : slow();
      this.pending.set(key, check);
      void check.finally(() => this.pending.delete(key)).catch(() => undefined);
    }
    if (!(await check)) return { ok: false, reason: 'wrong-password' };
    const storedHash = isBcryptHash(row.passwordHash)
      ? row.passwordHash
      : await this.upgradeLegacyHash(name, password, row.passwordHash);
    this.cache.add(this.cache.keyFor(name, password, storedHash), name);
    return { ok: true, account: toAccount(row) };
  }

  /** Returns false for an unknown user; throws AccountError for a weak password. */
  async changePassword(username: string, newPassword: string): Promise<boolean> {
    const name = canonicalUsername(username);
    if (!isStrongPassword(name, newPassword)) {
      throw new AccountError(
        'weak-password',
        'Passwords need at least 8 characters and must differ from the username.',
      );
    }
    const passwordHash = await hashPassword(newPassword, this.cost);
    const changed = await this.db.transaction('write', (tx) => tx.updateSync11Password(name, passwordHash));
    this.cache.dropUser(name);
    return changed;
  }

  /** Returns false for an unknown user; throws AccountError for an invalid address. */
  async changeEmail(username: string, email: string): Promise<boolean> {
    if (!isValidEmail(email)) throw new AccountError('invalid-email', 'That e-mail address is not valid.');
    return this.db.transaction('write', (tx) => tx.updateSync11Email(canonicalUsername(username), email));
  }

  /** Deletes the account, all its stored records and its storage owner in one transaction. */
  async delete(username: string): Promise<boolean> {
    const name = canonicalUsername(username);
    const deleted = await this.db.transaction('write', async (tx) => {
      const row = await tx.findSync11User(name);
      if (!row) return false;
      await tx.deleteUserStorage(row.userId);
      await tx.deleteSync11User(name);
      await tx.deleteStorageUser(row.userId);
      return true;
    });
    this.cache.dropUser(name);
    return deleted;
  }

  /**
   * The stored row of `name`, from memory while its user's version stands. The version is
   * the user's (Database.userVersion), so the user id must be known first: a name seen for
   * the first time is read without being kept.
   */
  private currentRow(name: string): Promise<Readonly<Sync11UserRow> | null> {
    const userId = this.userIds.get(name);
    return this.rows.read(
      name,
      () => this.db.userVersion(userId),
      async () => {
        const row = await this.db.transaction('read', (tx) => tx.findSync11User(name));
        if (this.userIds.size >= USER_ROW_CACHE_SIZE * 4) this.userIds.clear();
        if (row) this.userIds.set(name, row.userId);
        else this.userIds.delete(name);
        return row && Object.freeze(row);
      },
    );
  }

  /** Forgets every cached credential (e.g. when the owner asks to sign everyone out). */
  clearCredentialCache(): void {
    this.cache.clear();
  }

  /**
   * Replaces a verified server-core hash with bcrypt, unless the hash changed meanwhile.
   * Returns the hash now stored. A failure keeps the legacy hash, which still verifies.
   */
  private async upgradeLegacyHash(name: string, password: string, legacy: string): Promise<string> {
    try {
      const upgraded = await hashPassword(password, this.cost);
      const done = await this.db.transaction('write', async (tx) => {
        const current = await tx.findSync11User(name);
        if (!current || current.passwordHash !== legacy) return false;
        return tx.updateSync11Password(name, upgraded);
      });
      return done ? upgraded : legacy;
    } catch {
      return legacy;
    }
  }
}
