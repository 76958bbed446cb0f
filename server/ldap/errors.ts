/**
 * Failures of the directory itself, as opposed to a person's wrong password: Foxden answers them
 * 503 with Retry-After (never 401, which would make Firefox ask the person to sign in again).
 * Each message is one plain line that names the directory and never holds a password.
 */

/** Which step of talking to the directory failed. */
/**
 * Seconds a Firefox of a local account waits before asking again while the directory cannot
 * answer (FxA's retryAfter and the tokenserver's Retry-After): one constant for both doors.
 * Sync 1.1 answers with the server's `retry_after`, as for its other server issues.
 */
export const DIRECTORY_RETRY_AFTER_S = 30;

export type DirectoryStep =
  | 'settings'
  | 'connect'
  | 'tls'
  | 'service-bind'
  | 'search'
  | 'group'
  | 'user-bind';

export abstract class DirectoryError extends Error {
  constructor(
    message: string,
    readonly step: DirectoryStep,
  ) {
    super(message);
  }
}

/**
 * The directory cannot be reached, did not answer within `ldap_timeout`, dropped the connection
 * or said it is busy: trying again later may work.
 */
export class DirectoryUnavailableError extends DirectoryError {
  constructor(message: string, step: DirectoryStep) {
    super(message, step);
    this.name = 'DirectoryUnavailableError';
  }
}

/**
 * The directory answers but the settings do not fit it: the service account's bind is refused,
 * the certificate does not verify, the search root or required group does not exist, the filter
 * is malformed. The owner has to change something; retrying alone will not help.
 */
export class DirectoryConfigError extends DirectoryError {
  constructor(message: string, step: DirectoryStep) {
    super(message, step);
    this.name = 'DirectoryConfigError';
  }
}
