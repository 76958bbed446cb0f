import fs from 'node:fs';
import { openConnection, type DirectoryConnection } from './connection.js';
import { DirectoryConfigError } from './errors.js';
import { findById, findPerson, listMails } from './person-search.js';
import type { AuthResult, ConnectionCheck, DirectoryPerson } from './result.js';
import type { DirectorySettings } from './settings.js';
import { checkConnection } from './connection-check.js';
import { BindBudget } from './bind-budget.js';

/**
 * Foxden's view of the household directory: who a name is, and whether a password is theirs.
 * Each call opens its own connection and closes it (a household signs in rarely; sign-ins are
 * cached above this), so a dropped connection never lingers and nothing is shared between
 * people. The password given to `authenticate` goes to one bind and is not kept or logged.
 */
/** Connections open at once: a household needs few, and a flood of lookups must not open more. */
export const MAX_DIRECTORY_CONNECTIONS = 4;

export interface DirectoryClientOptions {
  clock?: () => number;
}

export class DirectoryClient {
  private readonly ca: Buffer | null;
  private readonly budget: BindBudget;
  private open = 0;
  private readonly queue: (() => void)[] = [];

  /** Throws DirectoryConfigError when `ldap_ca_file` cannot be read. */
  constructor(
    readonly settings: DirectorySettings,
    options: DirectoryClientOptions = {},
  ) {
    this.ca = settings.caFile ? readCaFile(settings.caFile) : null;
    this.budget = new BindBudget(options.clock);
  }

  /**
   * Service bind, search for the one entry the name means (find), then a bind as that entry
   * with the password — unless the entry's failed binds reached Foxden's budget, checked on
   * the resolved entry before any bind so no spelling of the name gets a budget of its own.
   * Refusals are results; the directory's own failures are thrown
   * (DirectoryUnavailableError, DirectoryConfigError).
   */
  async authenticate(name: string, password: string): Promise<AuthResult> {
    // With a DN and an empty password, a bind is "unauthenticated" (RFC 4513 §5.1.2) and many
    // servers answer success without checking anything: never sent.
    if (password === '') return { ok: false, reason: 'wrong-password' };
    return this.withConnection(async (connection) => {
      await connection.bindService();
      const found = await findPerson(connection, this.settings, name);
      if (found.kind === 'none') return { ok: false, reason: 'no-such-user' };
      if (found.kind === 'many') return { ok: false, reason: 'ambiguous' };
      return this.bind(connection, found.person, password);
    });
  }

  /** The bind of a found person, within the person's budget of failed binds. */
  private async bind(
    connection: DirectoryConnection,
    person: DirectoryPerson,
    password: string,
  ): Promise<AuthResult> {
    // No bind for a disabled account: it could not succeed, and a failed one may count
    // towards the directory's own lockout.
    if (this.settings.checkAccountState && person.disabled) return { ok: false, reason: 'disabled' };
    const retryAfter = this.budget.reserve(person.id);
    if (retryAfter > 0) return { ok: false, reason: 'throttled', retryAfter };
    let bound: boolean;
    try {
      bound = await connection.bindUser(person.dn, password);
    } catch (err) {
      this.budget.settle(person.id, 'cancelled');
      throw err;
    }
    this.budget.settle(person.id, bound ? 'succeeded' : 'failed');
    if (!bound) return { ok: false, reason: 'wrong-password' };
    // Only after the password: outside the group is said only to the person themselves.
    if (!person.inRequiredGroup) return { ok: false, reason: 'not-in-group' };
    return {
      ok: true,
      id: person.id,
      dn: person.dn,
      name: person.name,
      mail: person.mail,
      displayName: person.displayName,
    };
  }

  /** The one person the name means, or null (none, or more than one). No password involved. */
  async lookup(name: string): Promise<DirectoryPerson | null> {
    return this.withConnection(async (connection) => {
      await connection.bindService();
      const found = await findPerson(connection, this.settings, name);
      return found.kind === 'one' ? found.person : null;
    });
  }

  /** The person of a stable directory id (`id_attribute`), under whatever name they have now. */
  async lookupById(id: string): Promise<DirectoryPerson | null> {
    return this.withConnection(async (connection) => {
      await connection.bindService();
      const found = await findById(connection, this.settings, id);
      return found.kind === 'one' ? found.person : null;
    });
  }

  /**
   * The distinct addresses in the directory that `test` accepts (at most a few), or null when
   * the directory holds too many addresses to look through. For a name that is a hash of an
   * address: the caller's test hashes each one.
   */
  async mailsMatching(test: (mail: string) => boolean): Promise<string[] | null> {
    return this.withConnection(async (connection) => {
      await connection.bindService();
      const mails = await listMails(connection, this.settings);
      if (mails === null) return null;
      return [...new Set(mails.filter(test).map((mail) => mail.toLowerCase()))];
    });
  }

  /** Each step in turn, for `foxden ldap test NAME` and the dashboard's "Test connection". */
  testConnection(name?: string): Promise<ConnectionCheck> {
    return checkConnection(this.settings, () => openConnection(this.settings, this.ca), name);
  }

  private async withConnection<T>(work: (connection: DirectoryConnection) => Promise<T>): Promise<T> {
    await this.slot();
    try {
      const connection = await openConnection(this.settings, this.ca);
      try {
        return await work(connection);
      } finally {
        await connection.close();
      }
    } finally {
      // The slot passes straight to the next waiter, so none can be taken in between.
      const next = this.queue.shift();
      if (next) next();
      else this.open -= 1;
    }
  }

  /** Waits for one of MAX_DIRECTORY_CONNECTIONS. */
  private async slot(): Promise<void> {
    if (this.open < MAX_DIRECTORY_CONNECTIONS) {
      this.open += 1;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }
}

function readCaFile(file: string): Buffer {
  let pem: Buffer;
  try {
    pem = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new DirectoryConfigError(`[auth] ldap_ca_file ${file} cannot be read (${code})`, 'settings');
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new DirectoryConfigError(`[auth] ldap_ca_file ${file} holds no PEM certificate`, 'settings');
  return pem;
}
