/** Directory accounts (issue 14): the LDAP client Foxden's accounts backend will use. */
export { DirectoryClient } from './client.js';
export {
  DirectoryConfigError,
  DirectoryError,
  DirectoryUnavailableError,
  type DirectoryStep,
} from './errors.js';
export { escapeFilterValue, fillUserFilter } from './filter-escape.js';
export type {
  AuthRefusal,
  AuthResult,
  ConnectionCheck,
  ConnectionCheckFailure,
  DirectoryPerson,
} from './result.js';
export {
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_USER_FILTER,
  parseDirectorySettings,
  type DirectorySettings,
  type IdAttribute,
  type RawDirectorySettings,
} from './settings.js';
