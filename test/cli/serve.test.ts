import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { freePort, occupyPort } from '../helpers/ports.js';
import { runCli, spawnCli, startServe } from './cli-process.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-cli-serve-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
const freshDir = () => path.join(tmp, `data-${++counter}`, 'nested');
const posix = process.platform !== 'win32';

function mode(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

test('the acceptance invocation: fixed port, public URL, sign-ups open, master secret from the environment', async () => {
  const port = await freePort();
  const dataDir = freshDir();
  const cli = spawnCli(
    [
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--public-url',
      `http://127.0.0.1:${port}/`,
      '--allow-new-users',
    ],
    { env: { FOXDEN_MASTER_SECRET: 'acceptance-secret', FOXDEN_ADMIN_PORT: '0' } },
  );
  try {
    const line = await cli.waitForLine(/listening/);
    assert.match(line, new RegExp(`:${port}/`));
    const res = await fetch(`http://127.0.0.1:${port}/__heartbeat__`);
    assert.equal(res.status, 200);
    const created = await fetch(`http://127.0.0.1:${port}/user/1.0/u2wqblarhim5su7pxemcbwdyryrghmuk`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ password: 'correct horse', email: 'test@test.com' }),
    });
    assert.equal(created.status, 200, 'sign-ups are open');
    assert.ok(!cli.stdout.join('\n').includes('acceptance-secret'), 'the secret is never printed');
  } finally {
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exit, 0);
  }
});

test(
  'under umask 000 the data directory is 0700 and the database 0600; SIGTERM exits 0',
  { skip: !posix },
  async () => {
    const dataDir = freshDir();
    const serve = await startServe(['--data-dir', dataDir], { umask: '000' });
    assert.ok(serve.port > 0, 'port 0 prints the port actually bound');
    assert.equal((await fetch(`${serve.url}__heartbeat__`)).status, 200);
    assert.equal(mode(dataDir), 0o700);
    const db = path.join(dataDir, 'foxden.db');
    assert.equal(mode(db), 0o600);
    for (const name of fs.readdirSync(dataDir)) {
      const file = path.join(dataDir, name);
      if (fs.statSync(file).isFile()) assert.equal(mode(file) & 0o077, 0, `${name} is private`);
    }
    assert.equal(await serve.stop('SIGTERM'), 0);
    assert.ok(
      serve.stdout.some((l) => /stopped/.test(l)),
      'the server closed cleanly',
    );
  },
);

test('SIGINT closes the server cleanly and exits 0', async () => {
  const serve = await startServe(['--data-dir', freshDir()]);
  assert.equal(await serve.stop('SIGINT'), 0);
  await assert.rejects(fetch(`${serve.url}__heartbeat__`), 'nothing listens any more');
});

test('bad flags and values exit non-zero with one readable line on stderr', async () => {
  const mysqlIni = path.join(tmp, 'mysql.ini');
  fs.writeFileSync(mysqlIni, '[storage]\nsqluri = mysql://sync:sync@localhost:3306/sync\n');
  const cases: Array<{ args: string[]; env?: NodeJS.ProcessEnv; message: RegExp }> = [
    { args: ['--port', '70000'], message: /--port must be a port number .*, not "70000"/ },
    { args: ['--port', 'http'], message: /--port/ },
    { args: ['--port', '-5'], message: /^foxden: --port must be a port number .*, not "-5"\.$/ },
    { args: ['--port'], message: /--port needs a value/ },
    { args: ['--port', '--allow-new-users'], message: /--port needs a value/ },
    { args: ['--public-url', 'ftp://example.org/'], message: /--public-url.*http:\/\/ or https:\/\// },
    { args: ['--public-url', 'sync.example.org'], message: /--public-url/ },
    { args: ['--frobnicate'], message: /Unknown option --frobnicate/ },
    { args: ['--log-format', 'xml'], message: /--log-format/ },
    { args: ['--master-secret', 'hunter2'], message: /not accepted.*FOXDEN_MASTER_SECRET/ },
    { args: ['--master-secret=hunter2'], message: /not accepted/ },
    // Issue 10: a mysql:// sqluri is accepted now; a database that cannot be opened is one line.
    {
      args: ['--config', mysqlIni],
      message: /^foxden: Cannot open MySQL\/MariaDB at localhost:3306, database sync: /,
    },
    { args: ['--config', path.join(tmp, 'missing.ini')], message: /Cannot read the config file/ },
    { args: ['extra-positional'], message: /Unexpected argument/ },
    { args: ['--admin-port', 'abc'], message: /--admin-port must be a port number .*, not "abc"/ },
    { args: ['--admin-port', '-5'], message: /--admin-port must be a port number .*, not "-5"/ },
    {
      args: ['--host', '999.1.1.1'],
      message:
        /^foxden: --host must be a valid IPv4 address \(four numbers from 0 to 255, e\.g\. 192\.168\.1\.20\), not "999\.1\.1\.1"\.$/,
    },
    { args: ['--host', '1.2.3'], message: /--host must be a valid IPv4 address/ },
    {
      args: ['--host', '::zz'],
      message: /--host must be an IP address or host name|--host must be a valid IPv6/,
    },
    {
      args: ['--quota-kb', '-1'],
      message: /^foxden: --quota-kb must be a size in KB \(0 for no quota\), not "-1"\.$/,
    },
    {
      args: ['--quota-kb', 'lots'],
      message: /--quota-kb must be a size in KB \(0 for no quota\), not "lots"/,
    },
    {
      args: ['--max-new-users', '-3'],
      message: /^foxden: --max-new-users must be a number of accounts \(0 for no limit\), not "-3"\.$/,
    },
    { args: [], env: { FOXDEN_MAX_NEW_USERS: 'ten' }, message: /FOXDEN_MAX_NEW_USERS/ },
    { args: [], env: { FOXDEN_PORT: 'eighty' }, message: /FOXDEN_PORT/ },
  ];
  for (const { args, env, message } of cases) {
    const result = await runCli(['serve', '--data-dir', freshDir(), '--no-admin', ...args], {
      ...(env ? { env } : {}),
    });
    const label = args.join(' ') || JSON.stringify(env);
    assert.notEqual(result.code, 0, label);
    assert.equal(result.stderr.length, 1, `${label}: one line, got ${JSON.stringify(result.stderr)}`);
    assert.match(result.stderr[0]!, message, label);
    assert.ok(!result.stdout.some((l) => l.includes('listening')), `${label}: never listened`);
  }
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr.length, 1);
});

test('a port already in use exits 1 with the reason in plain words', async () => {
  const blocker = await occupyPort();
  const { port } = blocker;
  try {
    const result = await runCli([
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--data-dir',
      freshDir(),
      '--no-admin',
    ]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.length, 1);
    assert.match(result.stderr[0]!, new RegExp(`Port ${port} is already in use`));
  } finally {
    await blocker.release();
  }
});

test('--admin-port equal to --port names Foxden\'s own sync port, not "another program"', async () => {
  const port = await freePort();
  const cli = spawnCli([
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--admin-port',
    String(port),
    '--data-dir',
    freshDir(),
  ]);
  try {
    await cli.waitForLine(/Foxden listening on http:/);
    const warning = cli.stderr.find((l) => /admin dashboard is not available/.test(l)) ?? '';
    assert.match(warning, new RegExp(`port ${port} is Foxden's own sync port`));
    assert.doesNotMatch(warning, /another program/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/__heartbeat__`)).status, 200);
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exit;
  }
});

test('--no-allow-new-users keeps sign-ups closed, --allow-new-users opens them', async () => {
  const body = JSON.stringify({ password: 'correct horse', email: 'foobar@baz.com' });
  const put = (url: string) =>
    fetch(`${url}user/1.0/xee7ffonluzpdp66l6xgpyh2v2w6ojkc`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body,
    });
  const dataDir = freshDir();
  const closed = await startServe(['--data-dir', dataDir, '--no-allow-new-users']);
  try {
    assert.match(closed.stdout.join('\n'), /sign-ups closed/);
    assert.notEqual((await put(closed.url)).status, 200);
  } finally {
    await closed.stop();
  }
  const open = await startServe(['--data-dir', dataDir, '--allow-new-users']);
  try {
    assert.match(open.stdout.join('\n'), /sign-ups open/);
    assert.equal((await put(open.url)).status, 200);
  } finally {
    await open.stop();
  }
});

test('--log-format json writes one JSON event per stdout line, requests included', async () => {
  const serve = await startServe(['--data-dir', freshDir(), '--log-format', 'json']);
  try {
    assert.equal((await fetch(`${serve.url}__heartbeat__?secret=never-logged`)).status, 200);
    await serve.waitForLine(/"kind":"request"/);
    const events = serve.stdout.filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const request = events.find((e) => e.kind === 'request');
    assert.equal(request?.method, 'GET');
    assert.equal(request?.path, '/__heartbeat__');
    assert.equal(request?.status, 200);
    assert.ok(!serve.stdout.join('\n').includes('never-logged'), 'query strings are not logged');
  } finally {
    await serve.stop();
  }
});

test('a public URL on a port Firefox blocks warns on stderr but the server still starts', async () => {
  const serve = await startServe(['--data-dir', freshDir(), '--public-url', 'http://127.0.0.1:6000/']);
  try {
    assert.ok(
      serve.stderr.some((l) => /warning: .*6000.*refuse/.test(l)),
      serve.stderr.join('\n'),
    );
    assert.equal((await fetch(`${serve.url}__heartbeat__`)).status, 200);
  } finally {
    await serve.stop();
  }
});

test('help and --help print the usage and exit 0', async () => {
  for (const args of [['help'], ['--help']]) {
    const result = await runCli(args);
    assert.equal(result.code, 0);
    assert.match(result.stdout.join('\n'), /Usage: foxden <command>/);
    assert.match(result.stdout.join('\n'), /user add/);
  }
});
