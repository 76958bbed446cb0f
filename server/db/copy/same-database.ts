import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseLocation } from '../database-url.js';

/** Names that all mean this machine: a copy from localhost onto 127.0.0.1 is still a self-copy. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const DEFAULT_PORT = { postgres: '5432', mysql: '3306' } as const;

/**
 * Whether two locations name the same database: the same SQLite file (through symlinks too),
 * or the same server, port and database name whatever the user or password. Two names of one
 * server that this cannot tell apart (a DNS alias) are not caught here.
 */
export function sameDatabase(a: DatabaseLocation, b: DatabaseLocation): boolean {
  if (a.kind === 'sqlite' || b.kind === 'sqlite') {
    return a.kind === 'sqlite' && b.kind === 'sqlite' && realFile(a.file) === realFile(b.file);
  }
  return a.kind === b.kind && serverKey(a.kind, a.url) === serverKey(b.kind, b.url);
}

/** The file's real path; a file that does not exist yet by its directory's real path. */
function realFile(file: string): string {
  const absolute = path.resolve(file);
  try {
    return fs.realpathSync.native(absolute);
  } catch {
    try {
      return path.join(fs.realpathSync.native(path.dirname(absolute)), path.basename(absolute));
    } catch {
      return absolute;
    }
  }
}

function serverKey(kind: 'postgres' | 'mysql', raw: string): string {
  const url = new URL(raw);
  const host = url.hostname.toLowerCase();
  const where = LOOPBACK.has(host) ? 'loopback' : host;
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return `${where}:${url.port || DEFAULT_PORT[kind]}/${database}`;
}
