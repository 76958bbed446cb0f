import type { ServerContext } from '../context.js';
import { directoryLibrary } from '../directory-library.js';
import { DirectoryAccounts } from './directory-accounts.js';
import { Sync11Accounts } from './sync11-accounts.js';
import type { DirectoryClient } from '../ldap/client.js';
import type { DirectorySettings } from '../ldap/settings.js';

export { AccountError, Sync11Accounts, canonicalUsername } from './sync11-accounts.js';
export type {
  AccountErrorReason,
  LoginOutcome,
  Sync11Account,
  Sync11AccountsOptions,
  Sync11Login,
} from './sync11-accounts.js';
export { DIRECTORY_SYNC11_KIND, DirectoryAccounts, rememberDirectoryUser } from './directory-accounts.js';
export type { DirectoryLogin } from './directory-accounts.js';
export {
  extractUsername,
  isStrongPassword,
  isValidEmail,
  isValidUsername,
  usernameFromAccount,
  usernameFromEmail,
  usernamesForEmail,
} from './usernames.js';
export { hashPassword, verifyPassword } from './password-hash.js';
export { HashPoolBusy, closeSharedHashPool } from './hash-pool.js';

const perServer = new WeakMap<ServerContext, Sync11Accounts>();

/**
 * The accounts of one running server. The HTTP adapter and the admin service share this
 * instance so a password change from the GUI drops the adapter's cached credentials at once.
 */
export function sync11AccountsFor(context: ServerContext): Sync11Accounts {
  let accounts = perServer.get(context);
  if (!accounts) {
    accounts = new Sync11Accounts(context.db, { clock: context.clock });
    perServer.set(context, accounts);
  }
  return accounts;
}

const directoryPerServer = new WeakMap<ServerContext, DirectoryAccounts>();
const clientPerServer = new WeakMap<ServerContext, DirectoryClient>();

/**
 * The one directory client of a running server (`[auth] backend = ldap`), shared by Sync 1.1,
 * local accounts and their standing checks, so its cap on connections and its budget of failed
 * binds per person hold for the whole server. Throws DirectoryConfigError when `ldap_ca_file`
 * cannot be read; the next call tries again (the owner may fix the file meanwhile).
 */
export function directoryClientFor(context: ServerContext, settings: DirectorySettings): DirectoryClient {
  let client = clientPerServer.get(context);
  if (!client) {
    // Loaded with the config that named the directory, or by openSyncServer (directory-library.ts).
    const { DirectoryClient } = directoryLibrary();
    client = new DirectoryClient(settings, { clock: context.clock });
    clientPerServer.set(context, client);
  }
  return client;
}

/**
 * The directory accounts of one running server when `[auth] backend = ldap`, else null: one
 * instance (one credential cache) shared by the Sync 1.1 adapter and the admin service.
 */
export function directoryAccountsFor(context: ServerContext): DirectoryAccounts | null {
  const settings = context.config.directory;
  if (!settings) return null;
  let accounts = directoryPerServer.get(context);
  if (!accounts) {
    accounts = new DirectoryAccounts(context.db, directoryClientFor(context, settings), {
      clock: context.clock,
    });
    directoryPerServer.set(context, accounts);
  }
  return accounts;
}
