import { testDirectory } from '../admin/directory-admin.js';
import { parseCommandArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { toolConfig } from './tool-config.js';

/** The same ini file (and FOXDEN_CONFIG) serve reads the `[auth]` section from. */
const LDAP_OPTIONS = { config: { type: 'string' } } as const;

/**
 * `foxden ldap test [NAME]`: connect, TLS, the service bind and, with a name, that person's
 * search and group, one plain line per step, as the dashboard's "Test connection" does.
 * Exit 0 when every step passed, 1 when one failed; a directory that is not configured is a
 * configuration mistake (2), like the CLI's other refusals of that kind.
 */
export async function ldap(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'test')
    throw new UsageError(`Unknown ldap command "${sub ?? ''}"; use test. Run "foxden ldap --help".`);
  const { values, positionals } = parseCommandArgs(rest, LDAP_OPTIONS, 1);
  const config = await toolConfig(values, io);
  if (!config.directory)
    throw new UsageError(
      'Foxden keeps its own accounts with this configuration: set [auth] backend = ldap in the ini file given by --config.',
    );
  const name = positionals[0];
  const print = (line: string) => io.stdout.write(`${line}\n`);
  const result = await testDirectory(config.directory, name);
  for (const step of result.steps) print(`ok      ${step}`);
  if (!result.ok) {
    print(`FAILED  ${result.failedLabel}: ${result.message}`);
    return 1;
  }
  print(
    name === undefined
      ? 'All steps passed (give a name to look a person up too).'
      : `All steps passed: "${name}" may sync with Foxden (the password is checked at sign-in).`,
  );
  return 0;
}
