import { AccountError, DIRECTORY_SYNC11_KIND, Sync11Accounts, usernameFromEmail } from '../accounts/index.js';
import { DIRECTORY_MANAGES_ACCOUNTS } from '../admin/directory-admin.js';
import { databaseExists, openServerDatabase } from '../db/server-database.js';
import type { Database } from '../db/types.js';
import { takeFileNotes } from '../fs/private-path.js';
import { parseCommandArgs, stringValue, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { readPassword } from './password.js';
import { DATABASE_OPTIONS, toolConfig } from './tool-config.js';

const USER_OPTIONS = { ...DATABASE_OPTIONS, email: { type: 'string' } } as const;

const ACTIONS = ['add', 'list', 'passwd', 'delete'];

/**
 * An e-mail address becomes the hash Firefox and Pale Moon derive from it (spec 1.1 §3.1);
 * anything else is a plain username, which Sync11Accounts validates.
 */
function usernameOf(name: string): string {
  return name.includes('@') ? usernameFromEmail(name) : name;
}

/** `foxden user add|list|passwd|delete`: the same Sync11Accounts the HTTP User API uses. */
export async function user(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action === undefined || !ACTIONS.includes(action)) {
    throw new UsageError(`Unknown user command "${action ?? ''}"; use add, list, passwd or delete.`);
  }
  const expected = action === 'list' ? 0 : 1;
  const { values, positionals } = parseCommandArgs(rest, USER_OPTIONS, expected);
  if (positionals.length < expected) throw new UsageError(`foxden user ${action} needs a username.`);
  const email = stringValue(values, 'email');
  if (email !== undefined && action !== 'add') throw new UsageError('--email is only for "foxden user add".');

  const config = await toolConfig(values, io);
  const print = (line: string) => io.stdout.write(`${line}\n`);
  // Before a password is asked for or the database opened: nothing here could change a person.
  if (config.directory && action !== 'list') throw new UsageError(DIRECTORY_MANAGES_ACCOUNTS);
  const prompt = (text: string) => process.stderr.write(text);

  const run = async (accounts: Sync11Accounts): Promise<number> => {
    const name = positionals[0] as string;
    switch (action) {
      case 'list':
        return list(accounts, print);
      case 'add': {
        // An e-mail as the name: Firefox/Pale Moon log in with the e-mail's hash (spec 1.1 §3.1).
        const looksLikeEmail = name.includes('@');
        const username = usernameOf(name);
        if (await accounts.exists(username)) throw new UsageError(`The account ${username} already exists.`);
        const password = await readPassword(io.stdin, prompt);
        const account = await accounts.create(username, password, email ?? (looksLikeEmail ? name : null));
        print(`Created account ${account.username}${looksLikeEmail ? ` for ${name}` : ''}.`);
        return 0;
      }
      case 'passwd': {
        const username = usernameOf(name);
        if (!(await accounts.exists(username))) throw new UsageError(`There is no account ${username}.`);
        const password = await readPassword(io.stdin, prompt, 'New password: ');
        await accounts.changePassword(username, password);
        print(`Changed the password of ${username}.`);
        return 0;
      }
      case 'delete': {
        const username = usernameOf(name);
        if (!(await accounts.delete(username))) throw new UsageError(`There is no account ${username}.`);
        print(`Deleted account ${username} and its synced data.`);
        return 0;
      }
      default:
        throw new UsageError(`Unknown user command "${action}".`);
    }
  };

  // Listing only reads: nothing is created or chmodded, so it works on read-only storage, and
  // with no database yet there is simply nobody to list.
  const readonly = action === 'list';
  if (readonly && !databaseExists(config.database))
    return config.directory ? listDirectory(null, print) : list(null, print);
  const opened = await openServerDatabase(config.database, { tool: true, readonly });
  for (const note of takeFileNotes()) io.warn(note);
  try {
    // With the directory, own Sync 1.1 accounts cannot sign in: its people are listed instead.
    if (config.directory) return await listDirectory(opened.db, print);
    return await run(new Sync11Accounts(opened.db));
  } catch (err) {
    if (err instanceof AccountError) throw new UsageError(err.message);
    throw err;
  } finally {
    await opened.close();
  }
}

/**
 * The directory's people who have synced (`[auth] backend = ldap`), with their last sync: the
 * later of their last write and their last sign-in checked against the directory.
 */
async function listDirectory(db: Database | null, print: (line: string) => void): Promise<number> {
  const people = db
    ? await db.transaction('read', async (tx) => {
        const rows = await tx.listDirectoryUsers();
        const out = [];
        // The `fxa` rows stand for local accounts (they sync through those): Sync 1.1's only.
        for (const row of rows.filter((r) => r.kind === DIRECTORY_SYNC11_KIND)) {
          const stamps = await tx.collectionStamps(row.userId);
          out.push({ ...row, lastSync: Math.max(row.lastSeen, ...stamps.map((s) => s.modified)) });
        }
        return out;
      })
    : [];
  if (people.length === 0) {
    print(
      'Nobody from the directory has synced yet. Accounts are managed by the household directory (LDAP).',
    );
    return 0;
  }
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  printTable(
    ['NAME', 'DISPLAY NAME', 'KIND', 'CREATED', 'LAST SYNC (UTC)'],
    people.map((p) => [
      p.name,
      p.displayName || '-',
      'directory',
      day(p.created).slice(0, 10),
      day(p.lastSync),
    ]),
    print,
  );
  return 0;
}

async function list(accounts: Sync11Accounts | null, print: (line: string) => void): Promise<number> {
  const all = accounts ? await accounts.list() : [];
  if (all.length === 0) {
    print('No accounts yet. Create one with: foxden user add <name>');
    return 0;
  }
  const rows = all.map((a) => [
    a.username,
    a.email ?? '-',
    new Date(a.created).toISOString().slice(0, 10),
    a.status === 1 ? 'enabled' : 'disabled',
  ]);
  printTable(['USERNAME', 'E-MAIL', 'CREATED', 'STATUS'], rows, print);
  return 0;
}

function printTable(header: string[], rows: string[][], print: (line: string) => void): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  for (const row of [header, ...rows])
    print(
      row
        .map((cell, i) => cell.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    );
}
