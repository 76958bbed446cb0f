import type { Database, DirectoryUserRow } from '../db/types.js';
import type { AuthResult } from '../ldap/index.js';
import { directoryName } from '../ldap/directory-name.js';
import { nowMillis } from '../storage/timestamps.js';
import { CredentialCache, type CredentialCacheOptions } from './credential-cache.js';
import { canonicalUsername, type LoginOutcome, type Sync11Account } from './sync11-accounts.js';
import { usernamesForEmail } from './usernames.js';

/**
 * Sync 1.1 accounts of the household directory (issue 14, `[auth] backend = ldap`): a login is
 * a bind as the person (through DirectoryClient), cached like a bcrypt check; the person's
 * storage belongs to their stable directory identifier (entryUUID by default) through the
 * `directory_users` table, so a renamed person keeps their data. Foxden writes nothing to the
 * directory and keeps no directory password.
 */

/** What this needs of the directory client (server/ldap DirectoryClient). */
export interface DirectoryLogin {
  authenticate(name: string, password: string): Promise<AuthResult>;
  lookup(name: string): Promise<{ id: string } | null>;
  mailsMatching(test: (mail: string) => boolean): Promise<string[] | null>;
}

export interface DirectoryAccountsOptions {
  clock?: () => number;
  cache?: CredentialCacheOptions;
}

/** The storage kind of a directory person's Sync 1.1 data. */
export const DIRECTORY_SYNC11_KIND = 'sync11';

/**
 * Part of the cache key in place of a stored hash: a directory login never shares an entry
 * with an own account of the same name and password.
 */
const DIRECTORY_MARK = '\0ldap';

/** Firefox's name for an account typed as an e-mail: base32(sha1(address)), 32 characters. */
const HASHED_NAME = /^[a-z2-7]{32}$/u;

/**
 * How long the directory's list of addresses is reused for hashed names: anyone may ask
 * "exists" for any 32-character name, and each new one would otherwise read every address.
 */
const MAIL_LIST_TTL_MS = 60_000;

/** How long an "exists" answer is reused, and how many are kept. */
const EXISTS_TTL_MS = 60_000;
const EXISTS_CACHE_MAX = 1000;

export class DirectoryAccounts {
  private readonly clock: () => number;
  private readonly cache: CredentialCache<Sync11Account>;
  /** Concurrent first requests with the same credentials share one bind. */
  private readonly pending = new Map<string, Promise<LoginOutcome>>();
  private readonly existing = new Map<string, { at: number; exists: boolean }>();
  /** The directory's addresses as last read (null: too many to look through), and when. */
  private mailList: { at: number; mails: readonly string[] | null } | null = null;

  constructor(
    private readonly db: Database,
    private readonly directory: DirectoryLogin,
    options: DirectoryAccountsOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.cache = new CredentialCache<Sync11Account>({ clock: this.clock, ...options.cache });
  }

  /**
   * Whether the directory has exactly one person for the name (User API "exists"), answered
   * from a short cache: a Firefox asks it along with its node, and nobody needs it fresher.
   */
  async exists(username: string): Promise<boolean> {
    const name = directoryName(canonicalUsername(username));
    const now = this.clock();
    const known = this.existing.get(name);
    if (known && now - known.at < EXISTS_TTL_MS && now >= known.at) return known.exists;
    const exists = await this.lookUp(name);
    // Bounded: forgotten all at once past the cap (only a cache).
    if (this.existing.size >= EXISTS_CACHE_MAX) this.existing.clear();
    this.existing.set(name, { at: now, exists });
    return exists;
  }

  private async lookUp(name: string): Promise<boolean> {
    if ((await this.directory.lookup(name)) !== null) return true;
    const mail = await this.mailFor(name);
    return mail !== null && (await this.directory.lookup(mail)) !== null;
  }

  /**
   * The person's storage account when the directory accepts the password. A cached check
   * answers without the directory (also while it is down) until the entry expires.
   * `guardSlowCheck` wraps the directory check only, as in Sync11Accounts.authenticate.
   * Directory failures are thrown (DirectoryUnavailableError, DirectoryConfigError).
   */
  async authenticate(
    username: string,
    password: string,
    guardSlowCheck?: (check: () => Promise<boolean>) => Promise<boolean>,
  ): Promise<LoginOutcome> {
    // As the directory compares names: " alice" and "ALICE " share one cache entry.
    const name = directoryName(canonicalUsername(username));
    const key = this.cache.keyFor(name, password, DIRECTORY_MARK);
    const cached = this.cache.valueOf(key);
    if (cached) return { ok: true, account: cached };
    let login = this.pending.get(key);
    if (!login) {
      login = this.login(key, name, password, guardSlowCheck);
      this.pending.set(key, login);
      void login.finally(() => this.pending.delete(key)).catch(() => undefined);
    }
    return login;
  }

  /** Every directory person who has signed in, with their storage user and last sign-in. */
  list() {
    return this.db.transaction('read', (tx) => tx.listDirectoryUsers());
  }

  /** Forgets every cached credential (e.g. when the owner asks to sign everyone out). */
  clearCredentialCache(): void {
    this.cache.clear();
  }

  private async login(
    key: string,
    name: string,
    password: string,
    guardSlowCheck?: (check: () => Promise<boolean>) => Promise<boolean>,
  ): Promise<LoginOutcome> {
    let result: AuthResult = { ok: false, reason: 'no-such-user' };
    const check = async () => {
      result = await this.bind(name, password);
      return result.ok;
    };
    await (guardSlowCheck ? guardSlowCheck(check) : check());
    // Assigned by `check`, which the guard ran or threw from.
    const outcome = result as AuthResult;
    if (!outcome.ok) return { ok: false, reason: refusalOf(outcome.reason) };
    const account = await this.storageAccount(outcome, name);
    this.cache.add(key, name, account);
    return { ok: true, account };
  }

  /** A bind for the name, or for the address a hashed name stands for. */
  private async bind(name: string, password: string): Promise<AuthResult> {
    const direct = await this.directory.authenticate(name, password);
    if (direct.ok || direct.reason !== 'no-such-user') return direct;
    const mail = await this.mailFor(name);
    return mail === null ? direct : this.directory.authenticate(mail, password);
  }

  /**
   * The one address whose Firefox username is `name`, when `name` looks like one (32 base32
   * characters); null otherwise, or when none or several addresses hash to it.
   */
  private async mailFor(name: string): Promise<string | null> {
    const lower = name.toLowerCase();
    if (!HASHED_NAME.test(lower)) return null;
    const mails = (await this.allMails())?.filter((mail) => usernamesForEmail(mail).includes(lower)) ?? [];
    return mails.length === 1 ? (mails[0] as string) : null;
  }

  /** Every address in the directory, read again at most once a minute. */
  private async allMails(): Promise<readonly string[] | null> {
    const now = this.clock();
    if (this.mailList && now - this.mailList.at < MAIL_LIST_TTL_MS && now >= this.mailList.at)
      return this.mailList.mails;
    const mails = await this.directory.mailsMatching(() => true);
    this.mailList = { at: now, mails };
    return mails;
  }

  /**
   * The storage user behind a directory id, made at the first sign-in. The row keeps the
   * directory's own name (`uid`), never the typed one, which may be Firefox's hash of an address.
   */
  private async storageAccount(
    person: Extract<AuthResult, { ok: true }>,
    typed: string,
  ): Promise<Sync11Account> {
    const row = await rememberDirectoryUser(this.db, DIRECTORY_SYNC11_KIND, person, nowMillis(this.clock));
    return Object.freeze({
      userId: row.userId,
      username: typed,
      email: person.mail,
      status: 1,
      created: row.created,
    });
  }
}

/**
 * Sync 1.1 answers every refusal 401. A person whose failed binds reached Foxden's budget
 * (no bind sent) reads as a wrong password, and counts as one in the address throttle.
 */
function refusalOf(reason: Exclude<AuthResult, { ok: true }>['reason']) {
  if (reason === 'no-such-user') return 'unknown-user' as const;
  if (reason === 'throttled') return 'wrong-password' as const;
  return reason;
}

/**
 * Records a successful bind of `person` for one kind of storage (`sync11`, `fxa`): the
 * `directory_users` row with its storage user, made at the first sign-in, else its name and
 * last sign-in refreshed. One transaction; shared by Sync 1.1 and local accounts.
 */
export async function rememberDirectoryUser(
  db: Database,
  kind: string,
  person: Extract<AuthResult, { ok: true }>,
  now: number,
): Promise<DirectoryUserRow> {
  return db.transaction('write', async (tx) => {
    const found = await tx.findDirectoryUser(person.id, kind);
    if (found) {
      await tx.touchDirectoryUser(person.id, kind, person.name, person.displayName, now);
      return { ...found, name: person.name, displayName: person.displayName, lastSeen: now };
    }
    const created: DirectoryUserRow = {
      directoryId: person.id,
      kind,
      userId: await tx.createStorageUser(kind, now),
      name: person.name,
      displayName: person.displayName,
      created: now,
      lastSeen: now,
    };
    await tx.insertDirectoryUser(created);
    return created;
  });
}
