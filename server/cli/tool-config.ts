import { loadConfig } from '../config-load.js';
import { withDirectoryLibrary } from '../directory-library.js';
import type { Config } from '../config.js';
import { stringValue } from './args.js';
import type { CliIo } from './io.js';

/**
 * The options every command that opens the database takes besides `serve` (user, backup,
 * restore, db migrate): where the ini file, the data directory and the database are.
 */
export const DATABASE_OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
} as const;

/** The Config those options, the environment and the ini file give (the same order as serve's). */
export async function toolConfig(
  values: Record<string, string | boolean | undefined>,
  io: CliIo,
): Promise<Config> {
  const configFile = stringValue(values, 'config');
  const dataDir = stringValue(values, 'data-dir');
  const databaseUrl = stringValue(values, 'database-url');
  // The LDAP client is loaded only when the config names a directory (directory-library.ts).
  const { config } = await withDirectoryLibrary(() =>
    loadConfig({
      flags: {
        ...(configFile ? { config: configFile } : {}),
        ...(dataDir ? { dataDir } : {}),
        ...(databaseUrl ? { databaseUrl } : {}),
      },
      env: io.env,
      cwd: io.cwd,
    }),
  );
  return config;
}
