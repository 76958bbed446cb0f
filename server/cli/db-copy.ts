import fs from 'node:fs';
import path from 'node:path';
import { parseDatabaseUrl, withPassword, type DatabaseLocation } from '../db/database-url.js';
import { copyLocations } from '../db/copy/copy-locations.js';
import { describeLocation } from '../db/server-database.js';
import { parseCommandArgs, stringValue, UsageError } from './args.js';
import type { CliIo } from './io.js';

const COPY_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  'from-password-file': { type: 'string' },
  'to-password-file': { type: 'string' },
  replace: { type: 'boolean' },
} as const;

/** Table names padded to one column in the per-table lines. */
const NAME_WIDTH = 22;

/**
 * `foxden db copy --from URL --to URL [--replace]`: every user, account and record from one
 * database to another (any backend to any other), out of one consistent snapshot, verified
 * before it is committed (server/db/copy/). Locations are shown without their passwords.
 */
export async function dbCopy(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, COPY_OPTIONS, 0);
  const from = locationOf(values, 'from', io);
  const to = locationOf(values, 'to', io);
  const print = (line: string): void => {
    io.stdout.write(`${line}\n`);
  };
  let started = false;
  const result = await copyLocations(from, to, {
    replace: values.replace === true,
    onTable: (table, rows) => {
      // Said once the copy is under way, not before a refusal.
      if (!started) print(`Copying ${describeLocation(from)} to ${describeLocation(to)}:`);
      started = true;
      print(`  ${table.padEnd(NAME_WIDTH)} ${rows} ${rows === 1 ? 'row' : 'rows'}`);
    },
  });
  print(
    `Copied ${result.users} users and ${result.records} records from ${describeLocation(from)} to ${describeLocation(to)}; row counts and checksums verified.`,
  );
  return 0;
}

function locationOf(
  values: Record<string, string | boolean | undefined>,
  side: 'from' | 'to',
  io: CliIo,
): DatabaseLocation {
  const raw = stringValue(values, side);
  if (raw === undefined) {
    throw new UsageError(
      `foxden db copy needs --${side} URL (e.g. sqlite:////var/lib/foxden/foxden.db or postgresql://foxden@db.lan/foxden).`,
    );
  }
  const location = parseDatabaseUrl(raw, { from: `--${side}`, base: io.cwd });
  const passwordFile = stringValue(values, `${side}-password-file`);
  if (passwordFile === undefined) return location;
  const file = path.resolve(io.cwd, passwordFile);
  let password: string;
  try {
    password = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`Cannot read the --${side}-password-file ${file} (${code}).`);
  }
  return withPassword(location, password);
}
