import { loadDirectoryLibrary } from '../directory-library.js';
import { DirectoryError } from '../ldap/errors.js';
import type { DirectoryClient, DirectorySettings } from '../ldap/index.js';
import type { DirectoryInfo, DirectoryTest, DirectoryTestFailure } from './api.js';

/**
 * The owner's view of the household directory (`[auth] backend = ldap`, issue 14 item 4): its
 * settings as Settings shows them, read-only because they come from the ini file, and "Test
 * connection". The same sentence stands in the dashboard, the admin refusals and the CLI
 * wherever Foxden's own account management would be.
 */

/** Said instead of creating, deleting or resetting an account while the directory holds them. */
export const DIRECTORY_MANAGES_ACCOUNTS =
  'Sync 1.1 accounts are managed by the household directory (LDAP): add, remove or change people and passwords there.';

/** Said instead of deleting or resetting a local account a directory person signed in to. */
export const DIRECTORY_MANAGES_LOCAL_ACCOUNT =
  'This local account belongs to a person of the household directory (LDAP): they sign in with their directory password; change or remove them there.';

/**
 * Said instead of creating a local account: with a directory, Foxden's sign-in page signs
 * people in through it, so an account made here could never sign in.
 */
export const DIRECTORY_MAKES_LOCAL_ACCOUNTS =
  "Local accounts are made by the household directory (LDAP): a person's first sign-in on Foxden's page creates theirs.";

/** The failed step as the dashboard and `foxden ldap test` name it. */
const FAILURE_LABELS: Record<DirectoryTestFailure, string> = {
  settings: 'settings',
  unreachable: 'unreachable',
  tls: 'TLS',
  'service-bind': 'service bind refused',
  search: 'search refused',
  'no-such-user': 'no such user',
  ambiguous: 'more than one match',
  disabled: 'disabled in the directory',
  'not-in-group': 'not in the group',
  group: 'group unreadable',
};

/** Never the bind password: the dashboard and its transports see this only. */
export function describeDirectory(settings: DirectorySettings): DirectoryInfo {
  return {
    url: settings.url,
    startTls: settings.startTls,
    bindDn: settings.bindDn,
    searchBase: settings.searchBase,
    userFilter: settings.userFilter,
    requiredGroup: settings.requiredGroup,
    caFile: settings.caFile,
    idAttribute: settings.idAttribute,
    accountsNote: `${DIRECTORY_MANAGES_ACCOUNTS} ${DIRECTORY_MAKES_LOCAL_ACCOUNTS}`,
  };
}

/**
 * Each step a sign-in takes, and the first that failed. A CA file that cannot be read is the
 * settings step's failure, not a throw: the owner sees it as one line like the others.
 */
export async function testDirectory(settings: DirectorySettings, name?: string): Promise<DirectoryTest> {
  // The LDAP client is loaded when a directory is tested, not with the dashboard.
  const { DirectoryClient } = await loadDirectoryLibrary();
  let client: DirectoryClient;
  try {
    client = new DirectoryClient(settings);
  } catch (err) {
    if (!(err instanceof DirectoryError)) throw err;
    return failure([], 'settings', err.message);
  }
  const check = await client.testConnection(name);
  return check.ok
    ? { ok: true, steps: check.steps, failed: null, failedLabel: null, message: null }
    : failure(check.steps, check.failed, check.message);
}

function failure(steps: string[], failed: DirectoryTestFailure, message: string): DirectoryTest {
  return { ok: false, steps, failed, failedLabel: FAILURE_LABELS[failed], message };
}
