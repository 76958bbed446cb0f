import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { databaseProblem, freshDatabase } from '../helpers/databases.js';
import { runCli, tempCases } from './cli-process.js';

// Issue 10, item 1: --database-url / FOXDEN_DATABASE_URL / FOXDEN_DATABASE_PASSWORD_FILE, one
// line for a database that cannot be opened, and a password that never shows.

const { tmp, fresh } = tempCases('foxden-cli-dburl-', 'data');
const PASSWORD = 'hunter2-Secret';
/** A closed loopback port: nothing listens on the discard port in the test machines. */
const CLOSED = `postgresql://foxden:${PASSWORD}@127.0.0.1:9/household`;

/** `foxden serve` that should refuse to start, on a fresh data directory. */
function runServe(args: string[], env: NodeJS.ProcessEnv) {
  return runCli(['serve', '--data-dir', fresh(), '--port', '0', '--no-admin', ...args], { env });
}

function assertNoPassword(result: { stdout: string[]; stderr: string[] }, label: string): void {
  const all = [...result.stdout, ...result.stderr].join('\n');
  assert.ok(!all.includes(PASSWORD), `${label}: the password never shows: ${all}`);
  assert.ok(!all.includes(encodeURIComponent(PASSWORD)), `${label}: not even encoded`);
  assert.ok(!/^\s+at /m.test(all), `${label}: no stack trace: ${all}`);
}

test('serve with an unreachable database: exit 1, one line naming host, port and database, no password', async () => {
  const cases: Array<{ label: string; args: string[]; env?: NodeJS.ProcessEnv }> = [
    { label: '--database-url', args: ['--database-url', CLOSED] },
    { label: 'FOXDEN_DATABASE_URL', args: [], env: { FOXDEN_DATABASE_URL: CLOSED } },
  ];
  const passwordFile = path.join(tmp, 'db-password');
  fs.writeFileSync(passwordFile, `${PASSWORD}\n`);
  cases.push({
    label: 'FOXDEN_DATABASE_PASSWORD_FILE',
    args: ['--database-url', 'postgresql://foxden@127.0.0.1:9/household'],
    env: { FOXDEN_DATABASE_PASSWORD_FILE: passwordFile },
  });
  for (const { label, args, env } of cases) {
    const withEnv = await runServe(args, env ?? {});
    assert.equal(withEnv.code, 1, label);
    assert.equal(withEnv.stderr.length, 1, `${label}: ${JSON.stringify(withEnv.stderr)}`);
    assert.match(
      withEnv.stderr[0]!,
      /^foxden: Cannot open PostgreSQL at 127\.0\.0\.1:9, database household: .*ECONNREFUSED/,
      label,
    );
    assert.ok(!withEnv.stdout.some((l) => l.includes('Foxden listening')), `${label}: never listened`);
    assertNoPassword(withEnv, label);
  }
});

test('--help with a database URL on the line shows no password; the usage documents the option', async () => {
  const help = await runCli(['serve', '--database-url', CLOSED, '--help']);
  assert.equal(help.code, 0);
  assertNoPassword(help, 'serve --help');
  assert.ok(help.stdout.some((l) => l.includes('--database-url URL')));
  assert.ok(help.stdout.some((l) => l.includes('FOXDEN_DATABASE_PASSWORD_FILE')));
  for (const words of [['user', 'list'], ['backup'], ['restore'], ['db', 'migrate']]) {
    const usage = await runCli([...words, '--help']);
    assert.ok(
      usage.stdout.some((l) => l.includes('--database-url URL')),
      words.join(' '),
    );
  }
});

test('a bad database URL is one line that never holds the password', async () => {
  const result = await runServe(['--database-url', `postgresql://foxden:${PASSWORD}@db.lan/`], {});
  assert.equal(result.code, 2);
  assert.equal(result.stderr.length, 1);
  assert.match(
    result.stderr[0]!,
    /^foxden: --database-url: postgresql:\/\/foxden@db\.lan\/ names no database/,
  );
  assertNoPassword(result, 'bad URL');
});

test('user, backup and restore take --database-url; an unreachable database server is one line', async () => {
  const user = await runCli(['user', 'list', '--database-url', CLOSED]);
  assert.equal(user.code, 1);
  assert.match(
    user.stderr[0] ?? '',
    /^foxden: Cannot open PostgreSQL at 127\.0\.0\.1:9, database household: /,
  );
  assertNoPassword(user, 'user list');
  // Backups work on every backend (test/cli/backup-database-server.test.ts); with the server
  // away a backup says so in one line, and no file is written.
  const backup = await runCli(['backup', path.join(tmp, 'b.db'), '--database-url', CLOSED]);
  assert.equal(backup.code, 1);
  assert.equal(backup.stderr.length, 1);
  assert.match(backup.stderr[0]!, /Cannot open PostgreSQL at 127\.0\.0\.1:9, database household: /);
  assert.equal(fs.existsSync(path.join(tmp, 'b.db')), false);
  assertNoPassword(backup, 'backup');
  // A restore looks at its file first: a missing one is the owner's mistake (exit 2).
  const restore = await runCli(['restore', path.join(tmp, 'b.db'), '--database-url', CLOSED]);
  assert.equal(restore.code, 2);
  assert.equal(restore.stderr.length, 1);
  assertNoPassword(restore, 'restore');
});

test('foxden db migrate: one line with the schema version; a newer schema exits 1 with one line', async () => {
  const dir = fresh();
  const first = await runCli(['db', 'migrate', '--data-dir', dir]);
  assert.equal(first.code, 0, first.stderr.join('\n'));
  const file = path.join(dir, 'foxden.db');
  assert.equal(first.stdout.length, 1);
  const match = new RegExp(
    `^The database at ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is at schema version (\\d+), `,
  ).exec(first.stdout[0]!);
  assert.ok(match, first.stdout[0]);
  const version = Number(match[1]);
  assert.ok(version > 0);
  // Again: nothing to do, the same version.
  assert.match(
    (await runCli(['db', 'migrate', '--data-dir', dir])).stdout[0]!,
    new RegExp(`schema version ${version},`),
  );

  const db = new BetterSqlite3(file);
  db.pragma(`user_version = ${version + 5}`);
  db.close();
  const newer = await runCli(['db', 'migrate', '--database-url', `sqlite:///${file}`]);
  assert.equal(newer.code, 1);
  assert.equal(newer.stderr.length, 1);
  assert.match(newer.stderr[0]!, /newer Foxden/);

  const closed = await runCli(['db', 'migrate', '--database-url', CLOSED]);
  assert.equal(closed.code, 1);
  assert.match(
    closed.stderr[0] ?? '',
    /^foxden: Cannot open PostgreSQL at 127\.0\.0\.1:9, database household: /,
  );
  assertNoPassword(closed, 'db migrate');
});

test('PostgreSQL (when one runs on loopback): a wrong password is one line; db migrate answers the version', async (t) => {
  const problem = await databaseProblem('postgres');
  if (problem) return t.skip(problem);
  const fresh = await freshDatabase('postgres');
  try {
    assert.ok(fresh.location.kind === 'postgres');
    const wrong = new URL(fresh.location.url);
    wrong.password = PASSWORD;
    const refused = await runServe(['--database-url', wrong.href], {});
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr.length, 1);
    assert.match(
      refused.stderr[0]!,
      /^foxden: Cannot open PostgreSQL at 127\.0\.0\.1:\d+, database foxden_test_\w+: password authentication failed/,
    );
    assertNoPassword(refused, 'wrong password');

    // A database that does not exist, with the right credentials: the server's own words.
    const missing = new URL(fresh.location.url);
    missing.pathname = '/foxden_test_missing_database';
    const absent = await runCli(['db', 'migrate', '--database-url', missing.href]);
    assert.equal(absent.code, 1);
    assert.equal(absent.stderr.length, 1);
    assert.match(
      absent.stderr[0]!,
      /database foxden_test_missing_database: database "foxden_test_missing_database" does not exist$/,
    );

    // The right password from a file, never on the command line.
    const passwordFile = path.join(tmp, 'pg-password');
    fs.writeFileSync(passwordFile, `${decodeURIComponent(new URL(fresh.location.url).password)}\n`);
    const noPassword = new URL(fresh.location.url);
    noPassword.password = '';
    const migrated = await runCli(['db', 'migrate', '--database-url', noPassword.href], {
      env: { FOXDEN_DATABASE_PASSWORD_FILE: passwordFile },
    });
    assert.equal(migrated.code, 0, migrated.stderr.join('\n'));
    assert.match(
      migrated.stdout[0]!,
      /^The database at postgresql:\/\/foxden_test@127\.0\.0\.1:\d+\/foxden_test_\w+ is at schema version \d+, /,
    );
  } finally {
    await fresh.cleanup();
  }
});
