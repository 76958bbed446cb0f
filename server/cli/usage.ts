export const USAGE = `Usage: foxden <command> [options]

Commands:
  serve                     Run the sync server in the foreground (Ctrl-C stops it).
  user add <name|e-mail> [--email E]
                            Create a Sync 1.1 account; the password is read from standard input.
                            An e-mail address as the name becomes the hashed username Firefox uses.
  user list                 List the Sync 1.1 accounts.
  user passwd <name>        Set a new password (read from standard input).
  user delete <name>        Delete an account and all of its synced data.
  ldap test [NAME]          Check the household directory ([auth] backend = ldap): connect, TLS,
                            the service bind, and NAME's search and group, one line per step.
  setup-info [--json]       Print what to enter in Firefox (desktop, Android, without a Mozilla
                            account) and Pale Moon for the public URL serve would use; takes
                            the same options as serve.
  backup <file> [--replace]  Save a backup of the database (and the secrets a restore needs);
                            works while the server runs.
  restore <file>            Replace the database with a backup (a file: stop the server first,
                            the previous one is kept as <database>.before-restore).
  db copy --from URL --to URL [--replace]
                            Copy every user, account and record to another database (SQLite,
                            PostgreSQL, MySQL/MariaDB) and verify the copy.
  db migrate [--database-url URL]
                            Bring the database's schema up to date and print its version.
  help                      Show this text.  (Also: --help, --version)

"foxden <command> --help" shows the options of one command.
Secrets are never accepted as command-line arguments.
`;

const SERVE_USAGE = `Usage: foxden serve [options]

Runs the sync server in the foreground (Ctrl-C stops it) and the dashboard on 127.0.0.1.

Precedence: defaults < --config file < settings saved from the dashboard < environment < flags.
A flag or environment variable applies to this run only; it is never saved.

Options:
  --config FILE             An ini file (the seed's sync.conf settings keep their meaning).
  --host ADDR               Listen address: 127.0.0.1 (default, this computer only) or 0.0.0.0.
  --port N                  Listen port, default 8173; 0 picks any free port.
  --data-dir DIR            Where the database and secrets live (created with mode 0700).
  --public-url URL          The URL clients use, e.g. https://sync.example.org/.
  --allow-new-users         Let browsers create accounts for this run (--no-allow-new-users
                            closes sign-ups even if the dashboard saved them open).
  --max-new-users N         Close sign-ups by themselves after N new accounts (default 10;
                            0: no limit, for load tests).
  --quota-kb N              Per-account storage quota in KB (default 512000, 500 MB; 0: no quota).
  --log-format text|json    Request log format on standard output.
  --trust-proxy VALUE       Behind a reverse proxy: true, a hop count, or addresses ("loopback").
  --fxa-jwks-file PATH      Verify Firefox Account tokens offline with this JWKS file.
  --fxa-oauth-server URL    Firefox Accounts OAuth server (default https://oauth.accounts.firefox.com/v1).
  --master-secret-file PATH File holding the Sync 1.5 token secret.
  --database-url URL        Where the data lives: sqlite:////path/foxden.db (default: foxden.db
                            in the data directory), postgresql://USER@HOST:5432/DB or
                            mysql://USER@HOST:3306/DB. Keep its password in the file named by
                            FOXDEN_DATABASE_PASSWORD_FILE, never on the command line.
  --cors-origins LIST       Web pages that may call Sync 1.5 cross-origin: * (default, any
                            origin), none, or origins such as https://app.example.org.
  --https auto|off          HTTPS on the sync port: auto makes a household certificate authority
                            in the data directory and a certificate for this computer's names
                            and addresses (each device trusts the CA once: see setup-info);
                            off (default) speaks plain HTTP.
  --tls-cert FILE           HTTPS with your own certificate: its PEM file (the chain after it)
  --tls-key FILE            and its key, both given; reloaded when the files change.
  --admin-port N            Dashboard listener on 127.0.0.1 (default 8174; 0 picks any free port).
  --no-admin                Do not start the dashboard listener.
  -h, --help                Show this text.

Environment: FOXDEN_HOST, FOXDEN_PORT, FOXDEN_DATA_DIR, FOXDEN_PUBLIC_URL, FOXDEN_ALLOW_NEW_USERS,
  FOXDEN_MAX_NEW_USERS, FOXDEN_QUOTA_KB, FOXDEN_LOG_FORMAT, FOXDEN_TRUST_PROXY, FOXDEN_CONFIG,
  FOXDEN_ADMIN_PORT, FOXDEN_MASTER_SECRET, FOXDEN_MASTER_SECRET_FILE, FOXDEN_DATABASE_URL,
  FOXDEN_DATABASE_PASSWORD_FILE (a file whose first line is the database password),
  FOXDEN_CORS_ORIGINS, FOXDEN_HTTPS, FOXDEN_TLS_CERT, FOXDEN_TLS_KEY.
Secrets are never accepted as command-line arguments.
`;

const USER_OPTIONS_TEXT = `Options:
  --config FILE             The ini file serve uses (for its [storage] sqluri).
  --data-dir DIR            The data directory serve uses.
  --database-url URL        The database serve uses (as "foxden serve --help" says; the
                            password comes from FOXDEN_DATABASE_PASSWORD_FILE).
  -h, --help                Show this text.
`;

const USER_USAGE = `Usage: foxden user <add|list|passwd|delete> [options]

Manages Sync 1.1 accounts (Pale Moon, old Firefox) in the data directory. Accounts made here
are the owner's and do not count towards the sign-up limit.

  user add <name|e-mail> [--email E]   Create an account; the password is read from standard input.
  user list                            List the accounts.
  user passwd <name>                   Set a new password (read from standard input).
  user delete <name>                   Delete an account and all of its synced data.

With [auth] backend = ldap the household directory holds the accounts: "user list" shows its
people who have synced, with their last sync; add, passwd and delete are refused.

${USER_OPTIONS_TEXT}`;

const LDAP_TEST_USAGE = `Usage: foxden ldap test [NAME] [--config FILE]

Checks the household directory of [auth] backend = ldap (docs/ldap.md) the way a sign-in uses
it: connects (StartTLS or ldaps:// with the certificate verified), binds as the service
account, and with NAME searches for that person and checks required_group. Prints one line
per step; the failed one says what failed (unreachable, TLS, service bind refused, no such
user, not in the group). Exit 0 when every step passed, 1 when one failed. No password is
asked for: the person's own bind is the one step it cannot try.

Options:
  --config FILE             The ini file serve uses (its [auth] section).
  -h, --help                Show this text.
`;

const SETUP_INFO_USAGE = `Usage: foxden setup-info [--json] [serve options]

Prints what to enter in Firefox (desktop, Android, without a Mozilla account) and Pale Moon for
the public URL "foxden serve" would use with the same options.

Options:
  --json                    Print JSON instead of text.
  (every "foxden serve" option is accepted; see "foxden serve --help")
  -h, --help                Show this text.
`;

const DB_COPY_USAGE = `Usage: foxden db copy --from URL --to URL [--replace] [options]

Copies everything (Sync 1.1 users, local accounts with their keys, sessions and devices,
Sync 1.5 users, collections, records with their timestamps, sortindex and TTL, open batches)
from one database to another, on any backend: to move off SQLite, and back. The copy is read
from one consistent snapshot, so the source may keep serving; it is written in one
transaction and checked (row counts per table, a checksum per user and per account table)
before it is committed, so a failed copy leaves the target as it was. Stop the servers that
use the target first.

URLs: sqlite:////absolute/path/foxden.db (sqlite:///relative.db), postgresql://USER@HOST:5432/DB,
mysql://USER@HOST:3306/DB. The target is created (SQLite) or migrated if need be. Passwords
are never printed; rather than on the command line, where other users can see them, keep them
in files named by the password-file options.

Options:
  --from URL                The database to copy from (its data is only read).
  --to URL                  The database to copy into; it must hold no users or accounts.
  --replace                 Empty a target that holds data first (in the same transaction).
  --from-password-file FILE The --from database's password.
  --to-password-file FILE   The --to database's password.
  -h, --help                Show this text.
`;

/**
 * Per-command help printed by `foxden <command> --help` (and `foxden <command> <sub> --help`:
 * the key is the words before --help, e.g. "user add"; the CLI falls back to the first word).
 */
export const COMMAND_USAGE: Record<string, string> = {
  serve: SERVE_USAGE,
  user: USER_USAGE,
  'user add': `Usage: foxden user add <name|e-mail> [--email E] [options]

Creates a Sync 1.1 account; the password is read from standard input (or a prompt).
An e-mail address as the name becomes the hashed username Firefox and Pale Moon use.

Options:
  --email E                 The account's e-mail address (for password resets in old clients).
${USER_OPTIONS_TEXT.replace('Options:\n', '')}`,
  'user list': `Usage: foxden user list [options]

Lists the Sync 1.1 accounts.

${USER_OPTIONS_TEXT}`,
  'user passwd': `Usage: foxden user passwd <name> [options]

Sets a new password, read from standard input (or a prompt).

${USER_OPTIONS_TEXT}`,
  'user delete': `Usage: foxden user delete <name> [options]

Deletes an account and all of its synced data.

${USER_OPTIONS_TEXT}`,
  'setup-info': SETUP_INFO_USAGE,
  ldap: LDAP_TEST_USAGE,
  'ldap test': LDAP_TEST_USAGE,
  db: `Usage: foxden db <command> [options]

  db copy --from URL --to URL [--replace]
                            Copy every user, account and record to another database and
                            verify the copy ("foxden db copy --help").
  db migrate [--database-url URL]
                            Bring the database's schema up to date and print its version
                            ("foxden db migrate --help").
`,
  'db copy': DB_COPY_USAGE,
  'db migrate': `Usage: foxden db migrate [options]

Opens the database serve uses, brings its schema up to the newest this Foxden knows (as every
start does; several nodes may run it at once) and prints its schema version. A database
migrated by a newer Foxden is refused with one line and exit code 1.

${USER_OPTIONS_TEXT}`,
  backup: `Usage: foxden backup <file> [--replace] [options]

Saves a consistent backup of the whole database to <file> while the server keeps running: one
self-contained SQLite file (mode 0600) that also holds the Sync 1.5 master secret and the
local-accounts signing key, so keep it private. An existing file is never overwritten unless it
is a Foxden backup and --replace is given.

Options:
  --replace                 Replace an existing Foxden backup at <file>.
${USER_OPTIONS_TEXT.replace('Options:\n', '')}`,
  restore: `Usage: foxden restore <file> [options]

Replaces the database with the backup <file> (which may be on read-only media), and puts back
the secrets it holds; previous secrets are kept as <file>.before-restore.
A database file: refused while a Foxden server runs on it (stop it first, or restore from its
dashboard); the previous database is kept as <database>.before-restore.
A PostgreSQL or MySQL/MariaDB database: everything in it is replaced in one transaction (all or
nothing); nothing of the previous data is kept, so make a backup first.

${USER_OPTIONS_TEXT}`,
};
