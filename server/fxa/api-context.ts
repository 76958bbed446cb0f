import type { Request } from 'express';
import type { ServerContext } from '../context.js';
import type { FxaKeyFetchRow, FxaSessionRow } from '../db/fxa-types.js';
import { AccountsHawk } from './hawk-session.js';
import { ERRNO, FxaError, invalidToken } from './errors.js';
import { LocalAccounts } from './local-accounts.js';
import type { FailureThrottle } from '../security/failure-throttle.js';
import { loginThrottleFor } from '../security/login-throttle.js';
import { WindowCounter, type WindowRule } from '../security/window-counter.js';
import { signingKeyFor, type SigningKey } from './signing-key.js';
import { directoryLinkFor, type DirectoryLink } from './directory-link.js';

/** Key fetch tokens are for the sign-in page's immediate `/account/keys` call (spec §4.1 #3). */
export const KEY_FETCH_LIFETIME_MS = 5 * 60 * 1000;

/**
 * `/account/status` lookups per client address: the sign-in page asks once per address typed,
 * so 30 in 10 minutes is never reached by a person, while enumerating e-mails drops from
 * about a thousand a second to three a minute.
 */
export const STATUS_LOOKUPS: WindowRule = { max: 30, windowMs: 10 * 60 * 1000 };

/** What every accounts-API route needs, built once per server. */
export class FxaApi {
  readonly hawk: AccountsHawk;
  readonly accounts: LocalAccounts;
  /** Wrong passwords (errno 114), shared with Sync 1.1: see server/security/failure-throttle.ts. */
  readonly throttle: FailureThrottle;
  /** `[auth] backend = ldap`: the directory people's accounts (issue 14 item 3), else null. */
  readonly directory: DirectoryLink | null;
  private readonly lookups = new WindowCounter(STATUS_LOOKUPS);
  private readonly lookupsAnnounced = new Map<string, number>();

  constructor(readonly context: ServerContext) {
    this.hawk = new AccountsHawk(context);
    this.accounts = new LocalAccounts(context);
    this.throttle = loginThrottleFor(context);
    this.directory = directoryLinkFor(context);
  }

  /**
   * A directory person's password is the directory's (issue 14): the account page may not set
   * another, which the next directory sign-in would take for a changed directory password.
   */
  async refuseDirectoryPasswordChange(uid: string): Promise<void> {
    if (!this.directory || !(await this.directory.personOf(uid))) return;
    throw new FxaError(
      400,
      ERRNO.FEATURE_NOT_ENABLED,
      'Your password is the household directory’s: change it there, then sign in to Firefox again with the new one.',
      {},
      `password change of ${uid} refused: the account is a directory person's`,
    );
  }

  /**
   * A directory person removed, disabled or taken out of the required group since their
   * sign-in: every session and token of the account ends here, on its next use, and the
   * caller gets 401. Nothing for an own account; a directory that cannot answer throws (503).
   */
  async requireStanding(uid: string): Promise<void> {
    if (!this.directory) return;
    const standing = await this.directory.standing(uid);
    if (standing.ok) return;
    const ended = await this.accounts.signOutEverywhere(uid);
    this.context.logger.info(
      'auth',
      `Foxden account ${uid} signed out (${ended} sessions): the directory person is ${standing.why}`,
    );
    const detail = `the directory person of account ${uid} is ${standing.why}`;
    throw invalidToken(detail);
  }

  /**
   * Counts one account lookup from `address`; seconds to wait when over the limit, else 0.
   * The owner's log hears of a throttled address once per period, not once per request.
   */
  lookupRetryAfter(address: string): number {
    const now = this.context.clock();
    const wait = this.lookups.retryAfter(address, now);
    if (wait === 0) {
      this.lookups.record(address, now);
      return 0;
    }
    if ((this.lookupsAnnounced.get(address) ?? 0) <= now) {
      const until = now + wait * 1000;
      if (this.lookupsAnnounced.size >= 10_000) this.lookupsAnnounced.clear();
      this.lookupsAnnounced.set(address, until);
      this.context.logger.warn(
        'auth',
        `address ${address} throttled for account lookups until ${new Date(until).toISOString()}`,
        { address },
      );
    }
    return wait;
  }

  signingKey(): SigningKey {
    return signingKeyFor(this.context.config.dataDir);
  }

  /** The public URL without its trailing slash: the `iss` of our tokens. */
  issuer(): string {
    return this.context.live().publicUrl.replace(/\/+$/, '');
  }

  /** Hawk with a session token; sessions never expire on a timer (spec §5.4). */
  async session(req: Request): Promise<FxaSessionRow> {
    let row: FxaSessionRow | null = null;
    await this.hawk.verify(req, async (id) => {
      row = await this.accounts.session(id);
      return row?.authKey ?? null;
    });
    const session = row as FxaSessionRow | null;
    if (!session) throw invalidToken('session vanished');
    await this.requireStanding(session.uid);
    await this.accounts.touchSession(session.id, this.context.clock());
    return session;
  }

  /** Hawk with a key fetch token that is still young enough. */
  async keyFetch(req: Request): Promise<FxaKeyFetchRow> {
    let row: FxaKeyFetchRow | null = null;
    const now = this.context.clock();
    await this.hawk.verify(req, async (id) => {
      row = await this.accounts.keyFetch(id);
      return row && now - row.createdAt < KEY_FETCH_LIFETIME_MS ? row.authKey : null;
    });
    const token = row as FxaKeyFetchRow | null;
    if (!token) throw invalidToken('key fetch token vanished');
    return token;
  }
}
