import { openServerDatabase, schemaVersionOf } from '../db/server-database.js';
import { parseCommandArgs } from './args.js';
import type { CliIo } from './io.js';
import { DATABASE_OPTIONS, toolConfig } from './tool-config.js';

/**
 * `foxden db migrate`: opens the database (which brings its schema to the newest this Foxden
 * knows, as every start does) and prints one line with the version. A database migrated by a
 * newer Foxden, or one that cannot be reached, fails with the database layer's one line.
 */
export async function dbMigrate(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, DATABASE_OPTIONS, 0);
  const config = await toolConfig(values, io);
  const opened = await openServerDatabase(config.database, { tool: true });
  try {
    const version = await schemaVersionOf(opened.db);
    io.stdout.write(
      `The database at ${opened.where} is at schema version ${version}, the newest this Foxden knows.\n`,
    );
    return 0;
  } finally {
    await opened.close();
  }
}
