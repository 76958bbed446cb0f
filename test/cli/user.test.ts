import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, startServe, type RunningServe } from './cli-process.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-cli-user-'));
let serve: RunningServe;

// The commands run while the server runs on the same data directory, as an owner would.
before(async () => {
  serve = await startServe(['--data-dir', dataDir]);
});
after(async () => {
  await serve.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const user = (args: string[], stdin = '') => runCli(['user', ...args, '--data-dir', dataDir], { stdin });

async function login(username: string, password: string): Promise<number> {
  const res = await fetch(`${serve.url}1.1/${username}/info/collections`, {
    headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
  });
  await res.arrayBuffer();
  return res.status;
}

test('user add / list / passwd / delete round trip with the password piped on stdin', async () => {
  const added = await user(['add', 'alice', '--email', 'alice@example.org'], 'first password\n');
  assert.equal(added.code, 0, added.stderr.join('\n'));
  assert.match(added.stdout.join('\n'), /Created account alice/);
  // Several logins, so the running server answers from its in-memory account row before the change.
  for (let i = 0; i < 3; i++) {
    assert.equal(await login('alice', 'first password'), 200, 'the running server accepts the new account');
  }

  const listed = await user(['list']);
  assert.equal(listed.code, 0);
  const row = listed.stdout.find((l) => l.startsWith('alice '));
  assert.ok(row, listed.stdout.join('\n'));
  assert.match(row, /alice@example\.org/);

  const changed = await user(['passwd', 'alice'], 'second password\r\nignored line\n');
  assert.equal(changed.code, 0, changed.stderr.join('\n'));
  assert.equal(await login('alice', 'first password'), 401, 'the old password stops working at once');
  assert.equal(await login('alice', 'second password'), 200);

  assert.equal(await login('alice', 'second password'), 200);

  const deleted = await user(['delete', 'alice']);
  assert.equal(deleted.code, 0);
  assert.equal(await login('alice', 'second password'), 401);
  assert.ok(!(await user(['list'])).stdout.some((l) => l.startsWith('alice ')));

  // Recreated under the same name by the CLI: only the new password opens it, at once.
  assert.equal((await user(['add', 'alice'], 'third password\n')).code, 0);
  assert.equal(await login('alice', 'second password'), 401);
  assert.equal(await login('alice', 'third password'), 200);
  assert.equal(await login('alice', 'third password'), 200);
  assert.equal((await user(['passwd', 'alice'], 'fourth password\n')).code, 0);
  assert.equal(await login('alice', 'third password'), 401, 'a second change is seen at once too');
  assert.equal(await login('alice', 'fourth password'), 200);
});

test('an e-mail as the name becomes the hashed username Firefox and Pale Moon send (spec 1.1 §3.1)', async () => {
  const added = await user(['add', 'test@test.com'], 'a long password\n');
  assert.equal(added.code, 0, added.stderr.join('\n'));
  assert.match(added.stdout.join('\n'), /u2wqblarhim5su7pxemcbwdyryrghmuk for test@test\.com/);
  assert.equal(await login('u2wqblarhim5su7pxemcbwdyryrghmuk', 'a long password'), 200);
  assert.equal((await user(['passwd', 'test@test.com'], 'another password\n')).code, 0);
  assert.equal(await login('u2wqblarhim5su7pxemcbwdyryrghmuk', 'another password'), 200);
});

test('refusals exit non-zero with one line and change nothing', async () => {
  const cases: Array<{ args: string[]; stdin?: string; message: RegExp }> = [
    { args: ['add', 'bob'], stdin: 'short\n', message: /at least 8 characters/ },
    { args: ['add', 'bob'], stdin: '', message: /No password given/ },
    { args: ['add', 'robertson'], stdin: 'ROBERTSON\n', message: /must differ from the username/ },
    { args: ['add', 'bad name!'], stdin: 'a long password\n', message: /Usernames are|invalid|characters/i },
    { args: ['add', 'bob', '--password', 'x'], stdin: 'a long password\n', message: /not accepted/ },
    { args: ['add'], message: /needs a username/ },
    { args: ['passwd', 'nobody'], stdin: 'a long password\n', message: /no account nobody/ },
    { args: ['delete', 'nobody'], message: /no account nobody/ },
    { args: ['rename', 'bob'], message: /Unknown user command/ },
    { args: ['list', 'extra'], message: /Unexpected argument/ },
  ];
  for (const { args, stdin, message } of cases) {
    const result = await user(args, stdin);
    assert.notEqual(result.code, 0, args.join(' '));
    assert.equal(result.stderr.length, 1, `${args.join(' ')}: ${JSON.stringify(result.stderr)}`);
    assert.match(result.stderr[0]!, message, args.join(' '));
  }
  assert.ok(!(await user(['list'])).stdout.some((l) => l.startsWith('bob ')), 'no account was created');

  assert.equal((await user(['add', 'carol'], 'carol password\n')).code, 0);
  const again = await user(['add', 'carol'], 'other password\n');
  assert.notEqual(again.code, 0);
  assert.match(again.stderr.join('\n'), /already exists/);
  assert.equal(await login('carol', 'carol password'), 200, 'the existing password is untouched');
});
