/**
 * The database failures the rest of Foxden treats apart from a bug. Their messages are one
 * plain line that names the server (host, port, database) and never holds a password.
 */

/**
 * The database cannot be reached, refused the credentials, does not exist, or was lost while
 * serving. At start the CLI prints the message and exits; while serving the protocol adapters
 * answer 503 with Retry-After, and the next request tries again.
 */
export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

/** The database was migrated by a newer Foxden than this one. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly where: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `The database at ${where} has schema version ${found}, newer than this Foxden knows (${known}): upgrade Foxden.`,
    );
    this.name = 'SchemaTooNewError';
  }
}
