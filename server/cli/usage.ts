export const USAGE = `Usage: foxden <command> [options]

Commands:
  serve                     Run the sync server in the foreground (Ctrl-C stops it).
  user add <name|e-mail> [--email E]
                            Create a Sync 1.1 account; the password is read from standard input.
                            An e-mail address as the name becomes the hashed username Firefox uses.
  user list                 List the Sync 1.1 accounts.
  user passwd <name>        Set a new password (read from standard input).
  user delete <name>        Delete an account and all of its synced data.
  setup-info [--json]       Print what to enter in Firefox (desktop, Android, without a Mozilla
                            account) and Pale Moon for the public URL serve would use; takes
                            the same options as serve.
  help                      Show this text.  (Also: --help, --version)

Options for serve (flags win over environment variables, which win over the --config file):
  --config FILE             An ini file (the seed's sync.conf settings keep their meaning).
  --host ADDR               Listen address: 127.0.0.1 (default, this computer only) or 0.0.0.0.
  --port N                  Listen port, default 8173; 0 picks any free port.
  --data-dir DIR            Where the database and secrets live (created with mode 0700).
  --public-url URL          The URL clients use, e.g. https://sync.example.org/.
  --allow-new-users         Let browsers create accounts (--no-allow-new-users closes sign-ups).
  --log-format text|json    Request log format on standard output.
  --trust-proxy VALUE       Behind a reverse proxy: true, a hop count, or addresses ("loopback").
  --quota-kb N              Per-user storage quota in KB (0: no quota).
  --fxa-jwks-file PATH      Verify Firefox Account tokens offline with this JWKS file.
  --fxa-oauth-server URL    Firefox Accounts OAuth server (default https://oauth.accounts.firefox.com/v1).
  --master-secret-file PATH File holding the Sync 1.5 token secret.
  --admin-port N            Dashboard listener on 127.0.0.1 (default 8174; 0 picks any free port).
  --no-admin                Do not start the dashboard listener.

Options for user commands: --config FILE, --data-dir DIR.

Environment: FOXDEN_HOST, FOXDEN_PORT, FOXDEN_DATA_DIR, FOXDEN_PUBLIC_URL, FOXDEN_ALLOW_NEW_USERS,
  FOXDEN_LOG_FORMAT, FOXDEN_TRUST_PROXY, FOXDEN_CONFIG, FOXDEN_ADMIN_PORT, FOXDEN_MASTER_SECRET,
  FOXDEN_MASTER_SECRET_FILE.
Secrets are never accepted as command-line arguments.
`;
