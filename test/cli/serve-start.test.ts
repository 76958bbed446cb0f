import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, spawnCli, tempCases } from './cli-process.js';

// Issue 11 item 8: a start that goes wrong once the sync listener is open never leaves
// `foxden serve` serving half-started, and SIGTERM always stops it. The system refusing to
// list network interfaces (systemd without AF_NETLINK) is the field's case: it only means
// "no home-network addresses known".

const { fresh } = tempCases('foxden-cli-serve-start-', 'data');
const NO_INTERFACES = path.join(ROOT, 'test', 'cli', 'fixtures', 'no-network-interfaces.mjs');
const noInterfaces = { NODE_OPTIONS: `--import "${NO_INTERFACES}"` };
const LISTENING = /Foxden listening on http:\/\/127\.0\.0\.1:(\d+)\//;

test('os.networkInterfaces() throwing: one warning, the server runs and shows no home-network address; SIGTERM exits 0', async () => {
  const cli = spawnCli(
    ['serve', '--host', '127.0.0.1', '--port', '0', '--admin-port', '0', '--data-dir', fresh()],
    { env: noInterfaces },
  );
  try {
    const line = await cli.waitForLine(LISTENING, 15_000);
    const port = Number(LISTENING.exec(line)?.[1]);
    assert.equal((await fetch(`http://127.0.0.1:${port}/__heartbeat__`)).status, 200);
    const adminLine = await cli.waitForLine(/admin: http:\/\/127\.0\.0\.1:\d+\/#token=/);
    const [, adminUrl, token] = /admin: (http:\/\/127\.0\.0\.1:\d+\/)#token=(\w+)/.exec(adminLine) ?? [];
    const res = await fetch(`${adminUrl}api/status`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '[]',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { lanAddresses: string[] }).lanAddresses, []);
    const warnings = cli.stderr.filter((l) => /network addresses/.test(l));
    assert.equal(warnings.length, 1, cli.stderr.join('\n'));
    assert.match(warnings[0]!, /^foxden: warning: .*cannot be read.*AF_NETLINK/);
  } finally {
    cli.child.kill('SIGTERM');
  }
  assert.equal(await cli.exit, 0);
});

test('SIGTERM the moment the first line appears (interfaces unreadable) stops the server and exits 0', async () => {
  const cli = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0', '--no-admin', '--data-dir', fresh()], {
    env: noInterfaces,
  });
  const killer = setTimeout(() => cli.child.kill('SIGKILL'), 15_000);
  try {
    await cli.waitForLine(/./, 15_000);
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exit, 0, [...cli.stdout, ...cli.stderr].join('\n'));
    assert.ok(
      cli.stdout.some((l) => /\bstopped$/.test(l)),
      'the server closed cleanly',
    );
  } finally {
    clearTimeout(killer);
  }
});

test('a public URL with a path and no proxy trusted: a start warning on stderr (issue 11 item 10)', async () => {
  const cli = spawnCli([
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--no-admin',
    '--data-dir',
    fresh(),
    '--public-url',
    'http://127.0.0.1:8173/sync/',
  ]);
  try {
    await cli.waitForLine(LISTENING, 15_000);
    assert.ok(
      cli.stderr.some((l) => /^foxden: warning: .*path \/sync\/.*404 unless a reverse proxy/.test(l)),
      cli.stderr.join('\n'),
    );
  } finally {
    cli.child.kill('SIGTERM');
  }
  assert.equal(await cli.exit, 0);
});
