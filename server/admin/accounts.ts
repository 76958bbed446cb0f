import type { ServerContext } from '../context.js';
import type { TokenserverUserRow } from '../db/tokenserver-types.js';
import { AccountError, sync11AccountsFor, usernameFromEmail, type Sync11Account } from '../accounts/index.js';
import {
  AdminError,
  type AccountRef,
  type AccountSummary,
  type CreateAccountInput,
  type ResetPasswordInput,
} from './api.js';

const LOCAL_NOT_YET =
  'Local accounts are not available in this version yet; create a Sync 1.1 account instead.';

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

/**
 * The accounts view: Sync 1.1 users (server/accounts) and Sync 1.5 tokenserver users, with
 * what the owner wants to see about each. `context` is read on every call because a restart
 * or a restore replaces the server and its database handle.
 */
export class AdminAccounts {
  constructor(private readonly context: () => ServerContext) {}

  async list(): Promise<AccountSummary[]> {
    const context = this.context();
    const [sync11, sync15] = await Promise.all([
      sync11AccountsFor(context).list(),
      context.db.transaction('read', (tx) => tx.listTokenserverUsers()),
    ]);
    const out: AccountSummary[] = [];
    for (const account of sync11) out.push(await this.summarise11(context, account));
    for (const row of sync15) out.push(await this.summarise15(context, row));
    return out;
  }

  /** Every account of every kind; cheap enough for a household to run after each sign-up. */
  async count(): Promise<number> {
    const context = this.context();
    return context.db.transaction('read', async (tx) => {
      const [a, b] = await Promise.all([tx.listSync11Users(), tx.listTokenserverUsers()]);
      return a.length + b.length;
    });
  }

  async create(input: CreateAccountInput): Promise<AccountSummary> {
    if (input.kind === 'local') throw new AdminError('invalid-argument', LOCAL_NOT_YET, 'kind');
    const context = this.context();
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
    const context = this.context();
    if (ref.kind === 'local') throw new AdminError('invalid-argument', LOCAL_NOT_YET, 'kind');
    if (ref.kind === 'sync11') {
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
    if (input.kind === 'local') throw new AdminError('invalid-argument', LOCAL_NOT_YET, 'kind');
    if (input.kind === 'sync15') {
      throw new AdminError(
        'invalid-argument',
        'Sync 1.5 accounts sign in with a Firefox Account; change that password at accounts.firefox.com.',
        'kind',
      );
    }
    let changed: boolean;
    try {
      changed = await sync11AccountsFor(this.context()).changePassword(input.id, input.password);
    } catch (err) {
      accountError(err);
    }
    if (!changed) throw notFound(input);
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

function notFound(ref: AccountRef): AdminError {
  return new AdminError(
    'not-found',
    `There is no ${ref.kind === 'sync15' ? 'Sync 1.5' : 'Sync 1.1'} account "${ref.id}".`,
    'id',
  );
}
