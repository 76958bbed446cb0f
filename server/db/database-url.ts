import path from 'node:path';

/**
 * Where the data lives, as read from a database URL (`[storage] sqluri`, `--database-url`,
 * `FOXDEN_DATABASE_URL`). `url` is what the driver connects with and may hold the password;
 * `display` is the same URL without it, the only form that may be logged or shown.
 */
export type DatabaseLocation =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres' | 'mysql'; url: string; display: string };

/** A database URL that cannot be used; the message is one plain line without the password. */
export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

export interface DatabaseUrlContext {
  /** Where the URL came from ("foxden.ini [storage] sqluri"); starts every error message. */
  from?: string;
  /** The directory a relative sqlite:/// path is relative to (the ini file's); default the cwd. */
  base?: string;
}

const SCHEMES: Readonly<Record<string, DatabaseLocation['kind']>> = {
  sqlite: 'sqlite',
  postgresql: 'postgres',
  postgres: 'postgres',
  mysql: 'mysql',
  // server-full and syncserver configs named the Python driver; an old config starts unchanged.
  pymysql: 'mysql',
};

/** The scheme each networked backend's driver is given (pg and mysql2 both read these). */
const DRIVER_SCHEME = { postgres: 'postgresql', mysql: 'mysql' } as const;

/** Query parameters that can carry a secret; `display` leaves them out. */
const SECRET_PARAMS = new Set(['password', 'pass', 'passwd', 'sslpassword']);

const EXAMPLES =
  'sqlite:////var/lib/foxden/foxden.db, postgresql://foxden@db.lan:5432/foxden or mysql://foxden@db.lan:3306/foxden';

/**
 * Reads a database URL. SQLAlchemy's forms, as server-full used them: `sqlite:///rel.db`
 * (relative to `base`), `sqlite:////abs.db`; `postgresql://` and `postgres://`; `mysql://`,
 * `pymysql://`; a `+driver` suffix (`mysql+pymysql://`, `postgresql+psycopg2://`) is ignored.
 * Throws a DatabaseUrlError whose message never contains the password.
 */
export function parseDatabaseUrl(raw: string, context: DatabaseUrlContext = {}): DatabaseLocation {
  const prefix = context.from ? `${context.from}: ` : '';
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(raw.trim());
  if (!match) {
    // No scheme, so no known place for a password: a plain path is the likely mistake.
    throw new DatabaseUrlError(`${prefix}${quoteIfSafe(raw)} is not a database URI such as ${EXAMPLES}.`);
  }
  const written = (match[1] as string).toLowerCase();
  const scheme = written.split('+')[0] as string;
  const kind = SCHEMES[scheme];
  if (!kind) {
    throw new DatabaseUrlError(
      `${prefix}"${written}" databases are not supported; use sqlite, postgresql or mysql (e.g. ${EXAMPLES}).`,
    );
  }
  const rest = match[2] as string;
  if (kind === 'sqlite') return { kind, file: sqliteFile(raw, rest, prefix, context.base) };
  return networkLocation(kind, rest, prefix);
}

/**
 * The location with `password` put into its URL, for a password kept in a file
 * (FOXDEN_DATABASE_PASSWORD_FILE): one trailing newline is dropped, a password already in the
 * URL is replaced. `display` is unchanged: it never shows a password.
 */
export function withPassword(location: DatabaseLocation, password: string): DatabaseLocation {
  if (location.kind === 'sqlite') {
    throw new DatabaseUrlError(
      'A database password is only used with postgresql:// and mysql:// URLs; an SQLite file has none.',
    );
  }
  const secret = password.replace(/\r?\n$/, '');
  if (secret === '') throw new DatabaseUrlError('The database password file is empty.');
  const url = new URL(location.url);
  if (url.username === '') {
    throw new DatabaseUrlError(
      `${location.display} names no user for the password; write it as ${DRIVER_SCHEME[location.kind]}://USER@${url.host}${url.pathname}.`,
    );
  }
  // encodeURIComponent leaves no '%' raw, so the setter cannot misread a '%41' in a password.
  url.password = encodeURIComponent(secret);
  return { ...location, url: url.href };
}

/** `sqlite:////abs.db` (absolute) or `sqlite:///rel.db` (relative to `base`). */
function sqliteFile(raw: string, rest: string, prefix: string, base = process.cwd()): string {
  const file = rest.replace(/\?.*$/s, '');
  // SQLAlchemy: sqlite:/// + path; a fourth slash makes the path absolute.
  if (!file.startsWith('/') || file === '/' || file === '/:memory:') {
    throw new DatabaseUrlError(
      `${prefix}"${raw}" names no database file; an in-memory database would lose every write.`,
    );
  }
  return path.resolve(base, file.slice(1));
}

function networkLocation(kind: 'postgres' | 'mysql', rest: string, prefix: string): DatabaseLocation {
  const scheme = DRIVER_SCHEME[kind];
  let url: URL;
  try {
    url = new URL(`${scheme}://${rest}`);
  } catch {
    // The URL could not be split, so where its password ends is unknown: show none of it.
    throw new DatabaseUrlError(
      `${prefix}the ${scheme}:// URL is not valid; percent-encode characters such as @ : / # ? in the user name and password (e.g. ${scheme}://foxden:p%40ss@db.lan/foxden).`,
    );
  }
  const display = displayOf(url);
  if (url.hostname === '') {
    throw new DatabaseUrlError(`${prefix}${display} names no host (e.g. ${scheme}://foxden@db.lan/foxden).`);
  }
  const database = safeDecode(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) {
    throw new DatabaseUrlError(
      `${prefix}${display} names no database; put its name after the host (e.g. ${scheme}://foxden@db.lan/foxden).`,
    );
  }
  if (url.hash !== '') {
    throw new DatabaseUrlError(
      `${prefix}${display} has a #fragment; percent-encode a # in the password as %23.`,
    );
  }
  return { kind, url: url.href, display };
}

/** The URL as it may be shown: no password in the user part or the query. */
function displayOf(url: URL): string {
  const shown = new URL(url.href);
  shown.password = '';
  for (const name of [...shown.searchParams.keys()]) {
    if (SECRET_PARAMS.has(name.toLowerCase())) shown.searchParams.delete(name);
  }
  shown.hash = '';
  return shown.href;
}

/** The raw text quoted for a message, unless it could hold a password (an '@' or ':' in it). */
function quoteIfSafe(raw: string): string {
  return /[@:]/.test(raw) ? 'the value' : `"${raw}"`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
