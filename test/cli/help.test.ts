import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMAND_USAGE } from '../../server/cli/usage.js';
import { SERVE_OPTIONS } from '../../server/cli/serve.js';
import { runCli } from './cli-process.js';

// Issue 8, finding 10: `foxden serve --help` said "Unknown option --help".

test('--help and -h work on every command and print that command’s usage, exit 0', async () => {
  const cases: Array<{ args: string[]; key: string }> = [
    { args: ['serve', '--help'], key: 'serve' },
    { args: ['serve', '-h'], key: 'serve' },
    { args: ['serve', '--port', '8000', '--help'], key: 'serve' },
    { args: ['user', '--help'], key: 'user' },
    { args: ['user', 'add', '--help'], key: 'user add' },
    { args: ['user', 'list', '-h'], key: 'user list' },
    { args: ['setup-info', '--help'], key: 'setup-info' },
    // Every command listed in COMMAND_USAGE (backup and restore included once they exist).
    ...Object.keys(COMMAND_USAGE).map((key) => ({ args: [...key.split(' '), '--help'], key })),
  ];
  for (const { args, key } of cases) {
    const result = await runCli(args);
    const label = args.join(' ');
    assert.equal(result.code, 0, `${label}: ${result.stderr.join('\n')}`);
    assert.deepEqual(result.stderr, [], label);
    assert.equal(
      result.stdout.join('\n'),
      (COMMAND_USAGE[key] as string).trimEnd().replace(/\n\n+/g, '\n'),
      label,
    );
  }
});

test('after "--", --help is an argument, not a request for help', async () => {
  const result = await runCli(['serve', '--', '--help']);
  assert.equal(result.code, 2);
  assert.equal(result.stderr.length, 1);
  assert.match(result.stderr[0] as string, /Unexpected argument "--help"/);
});

test('the serve usage names every serve option', () => {
  for (const name of Object.keys(SERVE_OPTIONS)) {
    const shown = name === 'admin' ? '--no-admin' : `--${name}`;
    assert.ok((COMMAND_USAGE.serve as string).includes(shown), `${shown} is documented`);
  }
});

test('an unknown option or a missing value names the --help that lists the options, in one line', async () => {
  const cases: Array<{ args: string[]; line: string }> = [
    {
      args: ['serve', '--frobnicate'],
      line: 'foxden: Unknown option --frobnicate. Run "foxden serve --help" for the options.',
    },
    {
      args: ['serve', '--port'],
      line: 'foxden: Option --port needs a value. Run "foxden serve --help" for the options.',
    },
    {
      args: ['user', 'add', 'alice', '--frobnicate'],
      line: 'foxden: Unknown option --frobnicate. Run "foxden user add --help" for the options.',
    },
  ];
  for (const { args, line } of cases) {
    const result = await runCli(args);
    assert.equal(result.code, 2, args.join(' '));
    assert.deepEqual(result.stderr, [line]);
  }
});
