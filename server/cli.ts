import fs from 'node:fs';
import { ConfigError } from './config-load.js';
import { oneLine, OptionError, UsageError } from './cli/args.js';
import { backup, restore } from './cli/backup.js';
import { dbCopy } from './cli/db-copy.js';
import { dbMigrate } from './cli/db-migrate.js';
import { processIo, type CliIo } from './cli/io.js';
import { ldap } from './cli/ldap.js';
import { serve } from './cli/serve.js';
import { setupInfo } from './cli/setup-info.js';
import { user } from './cli/user.js';
import { COMMAND_USAGE, USAGE } from './cli/usage.js';

/** Exit codes: 0 done, 1 a runtime failure (port in use, database), 2 a usage/config mistake. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const help = commandHelp(argv);
    if (help !== null) {
      io.stdout.write(help);
      return 0;
    }
    switch (command) {
      case 'serve':
        return await serve(rest, io);
      case 'user':
        return await user(rest, io);
      case 'setup-info':
        return await setupInfo(rest, io);
      case 'backup':
        return await backup(rest, io);
      case 'restore':
        return await restore(rest, io);
      case 'db':
        return await db(rest, io);
      case 'ldap':
        return await ldap(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE);
        return 0;
      case '--version':
      case 'version':
        io.stdout.write(`foxden ${version()}\n`);
        return 0;
      default:
        throw new UsageError(`Unknown command "${command}". Run "foxden help" for the list.`);
    }
  } catch (err) {
    let message = oneLine(err instanceof Error ? err.message : String(err));
    if (err instanceof OptionError) {
      const words =
        (command === 'user' || command === 'db' || command === 'ldap') &&
        rest[0] &&
        COMMAND_USAGE[`${command} ${rest[0]}`]
          ? `${command} ${rest[0]}`
          : command;
      message +=
        words && COMMAND_USAGE[words]
          ? ` Run "foxden ${words} --help" for the options.`
          : ' Run "foxden help".';
    }
    process.stderr.write(`foxden: ${message}\n`);
    return err instanceof UsageError || err instanceof ConfigError ? 2 : 1;
  }
}

/** `foxden db <command>`: the database commands. */
async function db(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'copy':
      return await dbCopy(rest, io);
    case 'migrate':
      return await dbMigrate(rest, io);
    default:
      throw new UsageError(`Unknown db command "${sub ?? ''}"; use copy or migrate. Run "foxden db --help".`);
  }
}

/**
 * `foxden <command> [<sub>] … --help|-h`: the usage of the most specific command named before
 * the flag ("user add", else "user"). Checked before dispatch, so no command parses --help as
 * an unknown option; words after `--` are arguments, not a request for help.
 */
export function commandHelp(argv: string[]): string | null {
  const end = argv.indexOf('--');
  const words = end === -1 ? argv : argv.slice(0, end);
  const at = words.findIndex((word) => word === '--help' || word === '-h');
  if (at <= 0) return null;
  const [command, sub] = words;
  const specific = sub !== undefined && at > 1 ? COMMAND_USAGE[`${command} ${sub}`] : undefined;
  const usage = specific ?? COMMAND_USAGE[command as string];
  if (usage === undefined) return null;
  return usage;
}

/** package.json sits two levels up from dist/server/cli.js and one up from server/cli.ts. */
function version(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'foxden' && pkg.version) return pkg.version;
    } catch {
      // Try the next candidate.
    }
  }
  return 'unknown';
}
