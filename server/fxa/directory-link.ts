import { createHash } from 'node:crypto';
import type { ServerContext } from '../context.js';
import type { DirectoryUserRow } from '../db/types.js';
import type { FxaAccountRow } from '../db/fxa-types.js';
import { xor } from './crypto/bytes.js';
import type { LocalAccounts } from './local-accounts.js';
import { directoryClientFor, rememberDirectoryUser } from '../accounts/index.js';
import { loadDirectoryLibrary } from '../directory-library.js';
import type { DirectoryClient } from '../ldap/client.js';
import { DIRECTORY_RETRY_AFTER_S, DirectoryUnavailableError } from '../ldap/errors.js';
import type { AuthResult, DirectoryPerson } from '../ldap/result.js';
import type { DirectorySettings } from '../ldap/settings.js';
import { nowMillis } from '../storage/timestamps.js';

/**
 * Local accounts of the household directory (issue 14 item 3, `[auth] backend = ldap`): which
 * local account belongs to which directory person, and whether that person may still sync.
 *
 * The local account's uid is a hash of the person's stable directory id, so the mapping needs
 * no column of its own and survives a rename; `directory_users` (kind `fxa`) records who signed
 * in, under which name, and when. Foxden keeps no directory password: the bind happens at the
 * page's sign-in and the account keeps only the onepw verifier, as any local account does.
 */

/** The `directory_users` kind of a person's local account (Sync 1.1 storage is `sync11`). */
export const DIRECTORY_FXA_KIND = 'fxa';

/**
 * How long a person's standing (still in the directory, enabled, in the group) is trusted
 * before the directory is asked again: removal takes effect within this, and a household's
 * few devices cost the directory a search per person every few minutes, not per request.
 */
export const STANDING_TTL_MS = 3 * 60_000;

/**
 * How long the last good standing keeps a person syncing while the directory cannot answer
 * (M5): an outage of the directory alone must not stop every Firefox of the household, and
 * only a sign-in (a bind) truly needs it. A removal made during an outage takes effect within
 * this once it is over at the latest. docs/ldap.md says so.
 */
export const STANDING_GRACE_MS = 60 * 60_000;

/** How long the list of directory accounts is reused before the table is read again. */
const ROWS_TTL_MS = 30_000;

/** What a person chose on the sign-in page after a directory password change. */
export type PasswordChoice = { reset: true } | { previousAuthPW: Uint8Array; keyDelta: Uint8Array } | null;

export type Adoption =
  | { ok: true; account: FxaAccountRow; wrapKb: Uint8Array; how: 'same' | 'kept' | 'reset' }
  | { ok: false; why: 'changed' | 'previous-wrong' | 'raced' };

export type Standing = { ok: true } | { ok: false; why: 'removed' | 'disabled' | 'not-in-group' };

export class DirectoryLink {
  private rows: { at: number; byUid: Map<string, DirectoryUserRow> } | null = null;
  private readonly standings = new Map<string, { at: number; standing: Standing }>();
  private readonly asking = new Map<string, Promise<Standing>>();
  /** Until when the directory is taken as down after it could not answer. */
  private downUntil = 0;

  constructor(
    private readonly context: ServerContext,
    private readonly settings: DirectorySettings,
  ) {}

  /**
   * The server's one directory client (shared with Sync 1.1: one cap on connections, one
   * budget of failed binds per person), loaded at its first use. Throws DirectoryConfigError
   * when `ldap_ca_file` is unreadable; the next call tries again.
   */
  async directory(): Promise<DirectoryClient> {
    await loadDirectoryLibrary();
    return directoryClientFor(this.context, this.settings);
  }

  /**
   * The local account uid of a directory person. Not secret (uids appear in tokens), and
   * independent of Foxden's master secret, so it never changes while the directory id stays.
   */
  uidFor(directoryId: string): string {
    return createHash('sha256').update(`foxden directory account\0${directoryId}`).digest('hex').slice(0, 32);
  }

  /**
   * Records a successful bind: the `directory_users` row (made at the first sign-in, with the
   * placeholder storage user the table's key needs) and a fresh standing.
   */
  async remember(person: Extract<AuthResult, { ok: true }>): Promise<string> {
    const row = await rememberDirectoryUser(
      this.context.db,
      DIRECTORY_FXA_KIND,
      person,
      nowMillis(this.context.clock),
    );
    const uid = this.uidFor(person.id);
    this.rows?.byUid.set(uid, row);
    this.standings.set(uid, { at: this.context.clock(), standing: { ok: true } });
    return uid;
  }

  /**
   * After a bind, the account under the verifier the page sent: the same password as last
   * time; or, when the directory password changed since, the person's choice applied: kB
   * re-wrapped with the previous password's (`keyDelta` = previous unwrapBKey ⊕ new one) or
   * new keys (`reset`). Without a choice, or with a wrong previous password, nothing changes.
   * `raced`: the account changed meanwhile (answered as a wrong password).
   */
  async adoptPassword(
    accounts: LocalAccounts,
    account: FxaAccountRow,
    authPW: Uint8Array,
    choice: PasswordChoice,
  ): Promise<Adoption> {
    const wrapKb = await accounts.checkPassword(account, authPW);
    if (wrapKb) return { ok: true, account, wrapKb, how: 'same' };
    if (choice === null) return { ok: false, why: 'changed' };
    let how: 'kept' | 'reset';
    if ('reset' in choice) {
      await accounts.replaceDirectoryPassword(account, authPW, null);
      how = 'reset';
    } else {
      const previous = await accounts.checkPassword(account, choice.previousAuthPW);
      if (!previous) return { ok: false, why: 'previous-wrong' };
      await accounts.replaceDirectoryPassword(account, authPW, xor(previous, choice.keyDelta));
      how = 'kept';
    }
    const updated = await accounts.byUid(account.uid);
    const updatedWrapKb = updated ? await accounts.checkPassword(updated, authPW) : null;
    if (!updated || !updatedWrapKb) return { ok: false, why: 'raced' };
    return { ok: true, account: updated, wrapKb: updatedWrapKb, how };
  }

  /** The directory person behind a local account, or null for an own account. */
  async personOf(uid: string): Promise<DirectoryUserRow | null> {
    const now = this.context.clock();
    if (!this.rows || now - this.rows.at >= ROWS_TTL_MS || now < this.rows.at) {
      const all = await this.context.db.transaction('read', (tx) => tx.listDirectoryUsers());
      const byUid = new Map<string, DirectoryUserRow>();
      for (const row of all)
        if (row.kind === DIRECTORY_FXA_KIND) byUid.set(this.uidFor(row.directoryId), row);
      this.rows = { at: now, byUid };
    }
    return this.rows.byUid.get(uid) ?? null;
  }

  /**
   * Whether the account may still sync: always for an own account; for a directory person,
   * the directory's answer of the last few minutes. While the directory cannot answer, the
   * last good standing holds for STANDING_GRACE_MS; past it (or with none) DirectoryError is
   * thrown (callers answer 503, never 401).
   */
  async standing(uid: string): Promise<Standing> {
    const row = await this.personOf(uid);
    if (!row) return { ok: true };
    const now = this.context.clock();
    const cached = this.standings.get(uid);
    if (cached && now - cached.at < STANDING_TTL_MS && now >= cached.at) return cached.standing;
    const graced =
      cached?.standing.ok && now >= cached.at && now - cached.at < STANDING_TTL_MS + STANDING_GRACE_MS;
    // Just found down: not asked again at once, so each request does not wait for a timeout.
    if (graced && now < this.downUntil) return cached.standing;
    // A Firefox asks several things at once after a while idle: one search answers them all.
    let asking = this.asking.get(uid);
    if (!asking) {
      asking = this.ask(row, uid, now).finally(() => this.asking.delete(uid));
      this.asking.set(uid, asking);
    }
    try {
      return await asking;
    } catch (err) {
      if (!(err instanceof DirectoryUnavailableError)) throw err;
      this.downUntil = now + DIRECTORY_RETRY_AFTER_S * 1000;
      if (graced) return cached.standing;
      throw err;
    }
  }

  /**
   * Asks the directory by the stable id, so a renamed person (modrdn) stays who they were;
   * the stored name follows the directory's.
   */
  private async ask(row: DirectoryUserRow, uid: string, now: number): Promise<Standing> {
    const person = await (await this.directory()).lookupById(row.directoryId);
    const standing = standingOf(person, this.settings.checkAccountState);
    if (person && person.name !== row.name) await this.rename(row, uid, person);
    // Bounded: one entry per directory person who signed in.
    this.standings.set(uid, { at: now, standing });
    return standing;
  }

  private async rename(row: DirectoryUserRow, uid: string, person: DirectoryPerson): Promise<void> {
    await this.context.db.transaction('write', (tx) =>
      tx.touchDirectoryUser(row.directoryId, row.kind, person.name, person.displayName, row.lastSeen),
    );
    this.rows?.byUid.set(uid, { ...row, name: person.name, displayName: person.displayName });
  }
}

function standingOf(person: DirectoryPerson | null, checkState: boolean): Standing {
  if (!person) return { ok: false, why: 'removed' };
  if (checkState && person.disabled) return { ok: false, why: 'disabled' };
  if (!person.inRequiredGroup) return { ok: false, why: 'not-in-group' };
  return { ok: true };
}

const perServer = new WeakMap<ServerContext, DirectoryLink>();

/** The server's one DirectoryLink when `[auth] backend = ldap`, else null. */
export function directoryLinkFor(context: ServerContext): DirectoryLink | null {
  const settings = context.config.directory;
  if (!settings) return null;
  let link = perServer.get(context);
  if (!link) {
    link = new DirectoryLink(context, settings);
    perServer.set(context, link);
  }
  return link;
}
