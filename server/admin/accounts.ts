import type { ServerContext } from '../context.js';
import type { TokenserverUserRow } from '../db/tokenserver-types.js';
import {
  AccountError,
  DIRECTORY_SYNC11_KIND,
  directoryAccountsFor,
  sync11AccountsFor,
  usernameFromEmail,
  type Sync11Account,
} from '../accounts/index.js';
import type { DirectoryUserRow } from '../db/types.js';
import { DIRECTORY_FXA_KIND, directoryLinkFor } from '../fxa/directory-link.js';
import { ERRNO, FxaError } from '../fxa/errors.js';
import { LocalAccounts, type LocalAccountSummary } from '../fxa/local-accounts.js';
import { localFxaEmail } from '../fxa/tokenserver-trust.js';
import {
  AdminError,
  type AccountRef,
  type AccountSummary,
  type CreateAccountInput,
  type ResetPasswordInput,
} from './api.js';
import {
  DIRECTORY_MAKES_LOCAL_ACCOUNTS,
  DIRECTORY_MANAGES_ACCOUNTS,
  DIRECTORY_MANAGES_LOCAL_ACCOUNT,
} from './directory-admin.js';
import { validateEmail, validatePassword } from './validate.js';

/** Storage figures of one storage user, read through the engine like the protocols do. */
async function storageFigures(
  context: ServerContext,
  userId: number,
): Promise<Pick<AccountSummary, 'storageBytes' | 'collections' | 'lastSync'>> {
  const [bytes, stamps] = await Promise.all([
    context.engine.totalBytes(userId),
    context.engine.collectionStamps(userId),
  ]);
  let lastSync: number | null = null;
  for (const stamp of stamps) lastSync = Math.max(lastSync ?? 0, stamp.modified);
  return { storageBytes: bytes, collections: stamps.length, lastSync };
}

/**
 * `[auth] backend = ldap`: Sync 1.1 accounts are the household directory's people, and Foxden
 * changes nothing there (issue 14).
 */
function refuseWhenDirectory(context: ServerContext): void {
  if (context.config.directory === null) return;
  throw managedByDirectory();
}

function managedByDirectory(): AdminError {
  return new AdminError('invalid-argument', DIRECTORY_MANAGES_ACCOUNTS, 'kind');
}

/**
 * The uids of local accounts that belong to directory people (issue 14 item 3: made at their
 * first sign-in with the directory password), read now rather than from the sign-in's cache.
 */
async function directoryLocalUids(
  context: ServerContext,
  rows?: readonly DirectoryUserRow[],
): Promise<Set<string>> {
  const link = directoryLinkFor(context);
  if (!link) return new Set();
  const all = rows ?? (await context.db.transaction('read', (tx) => tx.listDirectoryUsers()));
  return new Set(
    all.filter((row) => row.kind === DIRECTORY_FXA_KIND).map((row) => link.uidFor(row.directoryId)),
  );
}

/** A directory person's local account: their password is the directory's, and so is their removal. */
async function refuseDirectoryLocal(context: ServerContext, uid: string): Promise<void> {
  if ((await directoryLocalUids(context)).has(uid))
    throw new AdminError('invalid-argument', DIRECTORY_MANAGES_LOCAL_ACCOUNT, 'kind');
}

/**
 * A directory person's local account may be deleted once the directory no longer has them
 * (their storage would otherwise stay forever); asked now, by the stable id, not from a cache.
 */
async function refuseDirectoryLocalUnlessRemoved(context: ServerContext, uid: string): Promise<void> {
  const link = directoryLinkFor(context);
  if (!link) return;
  const rows = await context.db.transaction('read', (tx) => tx.listDirectoryUsers());
  const row = rows.find((r) => r.kind === DIRECTORY_FXA_KIND && link.uidFor(r.directoryId) === uid);
  if (!row) return;
  let person: unknown;
  try {
    person = await (await link.directory()).lookupById(row.directoryId);
  } catch (err) {
    throw Object.assign(
      new AdminError(
        'unavailable',
        `The household directory cannot say whether ${row.name} is still there: ${(err as Error).message}`,
      ),
      { cause: err },
    );
  }
  if (person) throw new AdminError('invalid-argument', DIRECTORY_MANAGES_LOCAL_ACCOUNT, 'kind');
}

function accountError(err: unknown): never {
  if (err instanceof AccountError) {
    switch (err.reason) {
      case 'exists':
        throw new AdminError('conflict', err.message, 'name');
      case 'weak-password':
        throw new AdminError('invalid-argument', err.message, 'password');
      default:
        throw new AdminError('invalid-argument', err.message, 'name');
    }
  }
  throw err;
}

/** The local accounts module speaks FxA errnos; the GUI wants a field and plain words. */
function localError(err: unknown): never {
  if (err instanceof FxaError) {
    switch (err.errno) {
      case ERRNO.ACCOUNT_EXISTS:
        throw new AdminError(
          'conflict',
          'There is already a local account with this e-mail address.',
          'name',
        );
      case ERRNO.UNKNOWN_ACCOUNT:
        throw new AdminError('not-found', 'There is no such local account.', 'id');
      case ERRNO.INVALID_PARAMETER:
        throw new AdminError('invalid-argument', 'The e-mail address is not one Firefox accepts.', 'name');
    }
  }
  throw err;
}

/** Tokenserver e-mails of local accounts: their Sync 1.5 users are shown as the local account. */
function localStorageEmails(locals: readonly { uid: string }[]): Set<string> {
  return new Set(locals.map((a) => localFxaEmail(a.uid)));
}

/**
 * The accounts view: Sync 1.1 users (server/accounts), Foxden's local accounts (server/fxa)
 * and Sync 1.5 tokenserver users of Mozilla accounts, with what the owner wants to see about
 * each. A local account's own Sync 1.5 user is folded into its row, never listed twice. `context` is read on every call because a restart
 * or a restore replaces the server and its database handle.
 */
export class AdminAccounts {
  /** `context` may wait for the database to open (a database server while the server is stopped). */
  constructor(private readonly context: () => ServerContext | Promise<ServerContext>) {}

  async list(): Promise<AccountSummary[]> {
    const context = await this.context();
    const directory = directoryAccountsFor(context);
    // With the directory, own Sync 1.1 accounts cannot sign in: its people are listed instead.
    const [sync11, directoryRows, sync15, locals] = await Promise.all([
      directory ? [] : sync11AccountsFor(context).list(),
      directory ? directory.list() : [],
      context.db.transaction('read', (tx) => tx.listTokenserverUsers()),
      new LocalAccounts(context).list(),
    ]);
    const folded = localStorageEmails(locals);
    // The `fxa` rows are directory people's local accounts, listed as those (with no storage of their own).
    const people = directoryRows.filter((row) => row.kind === DIRECTORY_SYNC11_KIND);
    const managedLocals = await directoryLocalUids(context, directoryRows);
    const out: AccountSummary[] = [];
    for (const account of sync11) out.push(await this.summarise11(context, account));
    for (const row of people) out.push(await summariseDirectory(context, row));
    for (const account of locals) {
      const summary = await summariseLocal(context, account);
      out.push(managedLocals.has(account.uid) ? { ...summary, managedByDirectory: true } : summary);
    }
    for (const row of sync15) {
      if (!folded.has(row.email)) out.push(await this.summarise15(context, row));
    }
    return out;
  }

  /** Every account of every kind; cheap enough for a household to run after each sign-up. */
  async count(): Promise<number> {
    const context = await this.context();
    return context.db.transaction('read', async (tx) => {
      const [a, b, c] = await Promise.all([
        tx.listSync11Users(),
        tx.listTokenserverUsers(),
        tx.fxaListAccounts(),
      ]);
      // A local account's first sync adds a tokenserver user: that is not a new account.
      const folded = localStorageEmails(c);
      return a.length + b.filter((row) => !folded.has(row.email)).length + c.length;
    });
  }

  async create(input: CreateAccountInput): Promise<AccountSummary> {
    const context = await this.context();
    if (input.kind === 'local') return this.createLocal(context, input);
    refuseWhenDirectory(context);
    // An e-mail becomes the hashed username Firefox derives from it (spec 1.1 §3.1).
    const isEmail = input.name.includes('@');
    const username = isEmail ? usernameFromEmail(input.name) : input.name;
    let account: Sync11Account;
    try {
      account = await sync11AccountsFor(context).create(
        username,
        input.password,
        isEmail ? input.name : null,
      );
    } catch (err) {
      accountError(err);
    }
    return this.summarise11(context, account);
  }

  async delete(ref: AccountRef): Promise<void> {
    const context = await this.context();
    if (ref.kind === 'local') {
      await refuseDirectoryLocalUnlessRemoved(context, ref.id);
      // Sessions, devices, tokenserver rows and Sync 1.5 storage go with it (fxa-local spec §9).
      if (!(await new LocalAccounts(context).delete(ref.id))) throw notFound(ref);
      return;
    }
    // The person's storage follows them in the directory; removing them there is the owner's way.
    if (ref.kind === 'directory') throw managedByDirectory();
    if (ref.kind === 'sync11') {
      refuseWhenDirectory(context);
      if (!(await sync11AccountsFor(context).delete(ref.id))) throw notFound(ref);
      return;
    }
    const uid = Number(ref.id);
    const deleted = await context.db.transaction('write', async (tx) => {
      const row = await tx.tokenserverUserByUid(uid);
      if (!row) return false;
      // Every uid of this Firefox Account (older, replaced ones too) and all their storage.
      for (const old of await tx.deleteTokenserverUsers(row.email)) {
        await tx.deleteUserStorage(old);
        await tx.deleteStorageUser(old);
      }
      return true;
    });
    if (!deleted) throw notFound(ref);
  }

  async resetPassword(input: ResetPasswordInput): Promise<void> {
    if (input.kind === 'local') {
      validatePassword(input.password);
      const context = await this.context();
      await refuseDirectoryLocal(context, input.id);
      // The old password is unknown, so kB changes and the old Sync data becomes unreadable
      // (fxa-local spec §9); the GUI says so before the owner confirms.
      try {
        await new LocalAccounts(context).resetPassword(input.id, input.password);
      } catch (err) {
        localError(err);
      }
      return;
    }
    if (input.kind === 'directory') throw managedByDirectory();
    if (input.kind === 'sync15') {
      throw new AdminError(
        'invalid-argument',
        'Sync 1.5 accounts sign in with a Firefox Account; change that password at accounts.firefox.com.',
        'kind',
      );
    }
    const context = await this.context();
    refuseWhenDirectory(context);
    let changed: boolean;
    try {
      changed = await sync11AccountsFor(context).changePassword(input.id, input.password);
    } catch (err) {
      accountError(err);
    }
    if (!changed) throw notFound(input);
  }

  /** The owner creates it whatever the sign-up setting says; the password is a temporary one. */
  private async createLocal(context: ServerContext, input: CreateAccountInput): Promise<AccountSummary> {
    // The sign-in page signs people in through the directory: an account made here could not sign in.
    if (context.config.directory !== null)
      throw new AdminError('invalid-argument', DIRECTORY_MAKES_LOCAL_ACCOUNTS, 'kind');
    // Also checked by the transports; repeated for direct callers of the service.
    const email = validateEmail(input.name, 'name');
    const password = validatePassword(input.password);
    const accounts = new LocalAccounts(context);
    let uid: string;
    try {
      ({ uid } = await accounts.create(email, password));
    } catch (err) {
      localError(err);
    }
    const created = (await accounts.list()).find((a) => a.uid === uid);
    if (!created) throw new AdminError('internal', 'The new local account could not be read back.');
    return summariseLocal(context, created);
  }

  private async summarise11(context: ServerContext, account: Sync11Account): Promise<AccountSummary> {
    return {
      kind: 'sync11',
      id: account.username,
      label: account.email ?? account.username,
      email: account.email,
      created: account.created,
      ...(await storageFigures(context, account.userId)),
    };
  }

  private async summarise15(context: ServerContext, row: TokenserverUserRow): Promise<AccountSummary> {
    return {
      kind: 'sync15',
      id: String(row.uid),
      label: row.fxaEmail ?? row.email,
      email: row.fxaEmail,
      created: row.createdAt,
      ...(await storageFigures(context, row.uid)),
    };
  }
}

/**
 * A local account with the figures of its current Sync 1.5 storage user. Its last sync is the
 * later of the last write and the last token Firefox fetched (a sync with nothing new to
 * upload writes nothing but still fetches a token).
 */
async function summariseLocal(context: ServerContext, account: LocalAccountSummary): Promise<AccountSummary> {
  const figures =
    account.storageUid === null
      ? { storageBytes: 0, collections: 0, lastSync: null }
      : await storageFigures(context, account.storageUid);
  const times = [figures.lastSync, account.lastSync].filter((t): t is number => t !== null);
  return {
    kind: 'local',
    id: account.uid,
    label: account.email,
    email: account.email,
    created: account.createdAt,
    storageBytes: figures.storageBytes,
    collections: figures.collections,
    lastSync: times.length ? Math.max(...times) : null,
    devices: account.devices.map((d) => d.name),
  };
}

/**
 * A directory person who has synced: named as the directory last spelled them, their last
 * sync the later of the last write and the last sign-in checked against the directory.
 */
async function summariseDirectory(context: ServerContext, row: DirectoryUserRow): Promise<AccountSummary> {
  const figures = await storageFigures(context, row.userId);
  return {
    kind: 'directory',
    id: row.directoryId,
    label: row.displayName && row.displayName !== row.name ? `${row.displayName} (${row.name})` : row.name,
    email: null,
    created: row.created,
    storageBytes: figures.storageBytes,
    collections: figures.collections,
    lastSync: Math.max(figures.lastSync ?? 0, row.lastSeen) || null,
    managedByDirectory: true,
  };
}

const KIND_NAMES: Record<AccountRef['kind'], string> = {
  sync11: 'Sync 1.1',
  sync15: 'Sync 1.5',
  local: 'local',
  directory: 'directory',
};

function notFound(ref: AccountRef): AdminError {
  return new AdminError('not-found', `There is no ${KIND_NAMES[ref.kind]} account "${ref.id}".`, 'id');
}
