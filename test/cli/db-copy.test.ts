/**
 * `foxden db copy` through the real CLI (node bin/foxden.js; build with
 * `npx tsc -p tsconfig.build.json` first): every kind of user copied SQLite → PostgreSQL →
 * MariaDB → SQLite with one line per table and a verified summary, never a password shown;
 * a target holding data refused and --replace; a copy onto itself refused; unreachable
 * servers and bad arguments in one line. PostgreSQL and MariaDB parts run when their test
 * servers answer and skip with the reason otherwise.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseLocation } from '../../server/db/database-url.js';
import { openDatabase } from '../../server/db/open-database.js';
import { databaseProblem, freshDatabase, type TestDatabaseKind } from '../helpers/databases.js';
import { fillEveryKind, viewOf, type Manifest } from '../db/copy-fixture.js';
import { ROOT, runCli, type CliResult } from './cli-process.js';

const problems = {
  postgres: await databaseProblem('postgres'),
  mysql: await databaseProblem('mysql'),
} as const;
const NETWORK_KINDS = (['postgres', 'mysql'] as const).filter((kind) => problems[kind] === null);

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function fresh(kind: TestDatabaseKind): Promise<DatabaseLocation> {
  const made = await freshDatabase(kind);
  cleanups.push(() => made.cleanup());
  return made.location;
}

function urlOf(location: DatabaseLocation): string {
  return location.kind === 'sqlite' ? `sqlite:///${location.file}` : location.url;
}

/** A source database of every kind of user, closed again (the CLI opens it itself). */
async function filled(
  kind: TestDatabaseKind,
  tag = 'a',
): Promise<{ location: DatabaseLocation; manifest: Manifest }> {
  const location = await fresh(kind);
  const db = await openDatabase(location);
  try {
    return { location, manifest: await fillEveryKind(db, tag) };
  } finally {
    await db.close();
  }
}

async function view(location: DatabaseLocation, manifest: Manifest): Promise<unknown> {
  const db = await openDatabase(location);
  try {
    return await viewOf(db, manifest);
  } finally {
    await db.close();
  }
}

function copy(from: DatabaseLocation, to: DatabaseLocation, ...extra: string[]): Promise<CliResult> {
  return runCli(['db', 'copy', '--from', urlOf(from), '--to', urlOf(to), ...extra]);
}

/** No user:password@ part, no stack trace, whatever the command printed. */
function assertNothingSecret(result: CliResult): void {
  const all = [...result.stdout, ...result.stderr].join('\n');
  assert.doesNotMatch(all, /:[^/@:\s]+@/, 'a password was shown');
  assert.doesNotMatch(all, /^\s+at /m, 'a stack trace was shown');
}

/** A failure: exit 1 and exactly one line on stderr matching `pattern`. */
function assertOneLineFailure(result: CliResult, pattern: RegExp, code = 1): void {
  assert.equal(result.code, code, result.stdout.concat(result.stderr).join('\n'));
  const lines = result.stderr.filter((line) => line.trim() !== '');
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0] as string, pattern);
  assert.deepEqual(result.stdout, [], 'nothing on stdout before a refusal');
  assertNothingSecret(result);
}

describe('foxden db copy', { timeout: 180_000 }, () => {
  test(`every kind of user: sqlite → ${[...NETWORK_KINDS, 'sqlite'].join(' → ')}, one line per table, verified`, async (t) => {
    for (const kind of ['postgres', 'mysql'] as const) {
      if (problems[kind] !== null) t.diagnostic(`${kind} left out of the chain: ${problems[kind]}`);
    }
    const { location: first, manifest } = await filled('sqlite');
    const expected = await view(first, manifest);
    let from = first;
    for (const kind of [...NETWORK_KINDS, 'sqlite'] as const) {
      const to = await fresh(kind);
      const started = Date.now();
      const result = await copy(from, to);
      t.diagnostic(`CLI ${from.kind} → ${kind}: ${Date.now() - started} ms`);
      assert.equal(result.code, 0, result.stderr.join('\n'));
      assert.deepEqual(result.stderr, []);
      assert.match(result.stdout[0] as string, /^Copying \S+ to \S+:$/);
      assertNothingSecret(result);
      const out = result.stdout.join('\n');
      for (const [table, rows] of [
        ['storage_users', 4],
        ['bsos', 36],
        ['batch_items', 3],
        ['fxa_devices', 1],
        ['tokenserver_users', 3],
      ] as const) {
        assert.match(out, new RegExp(`^  ${table} +${rows} rows?$`, 'm'));
      }
      assert.match(
        result.stdout.at(-1) as string,
        /^Copied 4 users and 36 records from \S+ to \S+; row counts and checksums verified\.$/,
      );
      assert.deepEqual(await view(to, manifest), expected, `${from.kind} → ${kind}`);
      from = to;
    }
  });

  test('a target that holds data is refused without --replace and replaced with it', async () => {
    const { location: from, manifest } = await filled('sqlite');
    const { location: to, manifest: theirs } = await filled('sqlite', 'b');
    const before = await view(to, theirs);
    const refused = await copy(from, to);
    assertOneLineFailure(
      refused,
      /^foxden: The target already holds Foxden data \(storage_users is not empty\); add --replace/,
    );
    assert.deepEqual(await view(to, theirs), before, 'the refused target is unchanged');

    const replaced = await copy(from, to, '--replace');
    assert.equal(replaced.code, 0, replaced.stderr.join('\n'));
    assert.deepEqual(await view(to, manifest), await view(from, manifest));
  });

  test('a database is never copied onto itself', async () => {
    const { location } = await filled('sqlite');
    const result = await copy(location, location);
    assertOneLineFailure(result, /cannot be copied onto itself/);
    for (const kind of NETWORK_KINDS) {
      const network = await fresh(kind);
      assert.ok(network.kind !== 'sqlite');
      // The same database by another host name and without the password: still itself.
      const other = new URL(network.url);
      other.hostname = 'localhost';
      other.password = '';
      const self = await runCli(['db', 'copy', '--from', network.url, '--to', other.href]);
      assertOneLineFailure(self, /cannot be copied onto itself/);
    }
  });

  test('an SQLite target a server is running on is refused', async () => {
    const { location: from } = await filled('sqlite');
    const { location: to, manifest } = await filled('sqlite', 'b');
    assert.ok(to.kind === 'sqlite');
    const before = await view(to, manifest);
    // A stand-in for `foxden serve`: a live process holding the database's server lock.
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '--eval',
        `import { acquireInstanceLock } from './server/db/sqlite/instance-lock.ts';
         acquireInstanceLock(${JSON.stringify(to.file)}); console.log('locked'); setTimeout(() => {}, 60000);`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('locked')) resolve();
        });
        holder.once('exit', () => reject(new Error('the lock holder exited')));
      });
      const result = await copy(from, to, '--replace');
      assertOneLineFailure(
        result,
        new RegExp(
          `A Foxden server \\(process ${holder.pid}\\) is using .*; stop it before copying onto it\\.`,
        ),
      );
      assert.deepEqual(await view(to, manifest), before);
    } finally {
      holder.kill();
    }
  });

  test(
    'a password file instead of a password on the command line',
    { skip: problems.postgres ?? false },
    async () => {
      const { location: from, manifest } = await filled('sqlite');
      const to = await fresh('postgres');
      assert.ok(to.kind === 'postgres');
      const url = new URL(to.url);
      const password = decodeURIComponent(url.password);
      url.password = '';
      const dir = path.dirname((from as { file: string }).file);
      const file = path.join(dir, 'pg-password');
      fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
      const result = await runCli([
        'db',
        'copy',
        '--from',
        urlOf(from),
        '--to',
        url.href,
        '--to-password-file',
        file,
      ]);
      assert.equal(result.code, 0, result.stderr.join('\n'));
      assert.deepEqual(await view(to, manifest), await view(from, manifest));
    },
  );

  test('unreachable servers, missing files and bad arguments: one line, no password, no stack trace', async () => {
    const { location: from } = await filled('sqlite');
    const target = await fresh('sqlite');
    const secret = 'S3cret-pw';
    const unreachable = await runCli([
      'db',
      'copy',
      '--from',
      urlOf(from),
      '--to',
      `postgresql://foxden:${secret}@127.0.0.1:1/foxden`,
    ]);
    assertOneLineFailure(unreachable, /PostgreSQL at 127\.0\.0\.1:1, database foxden/);
    assert.ok(![...unreachable.stdout, ...unreachable.stderr].join('\n').includes(secret));
    assert.ok(target.kind === 'sqlite' && !fs.existsSync(target.file), 'nothing created on a refused copy');

    const missing = await runCli([
      'db',
      'copy',
      '--from',
      urlOf(target),
      '--to',
      urlOf(await fresh('sqlite')),
    ]);
    assertOneLineFailure(missing, /There is no Foxden database at .* to copy from/);

    const noFrom = await runCli(['db', 'copy', '--to', urlOf(target)]);
    assertOneLineFailure(noFrom, /needs --from URL/, 2);

    const badUrl = await runCli([
      'db',
      'copy',
      '--from',
      `mongodb://u:${secret}@h/db`,
      '--to',
      urlOf(target),
    ]);
    assertOneLineFailure(badUrl, /^foxden: --from: "mongodb" databases are not supported/);
    assert.ok(!badUrl.stderr.join('\n').includes(secret));

    const unknown = await runCli(['db', 'copy', '--frobnicate']);
    assertOneLineFailure(
      unknown,
      /Unknown option --frobnicate\. Run "foxden db copy --help" for the options\./,
      2,
    );

    const sub = await runCli(['db', 'frobnicate']);
    assertOneLineFailure(sub, /Unknown db command "frobnicate"/, 2);
  });

  test('--help prints the usage', async () => {
    for (const args of [
      ['db', 'copy', '--help'],
      ['db', '--help'],
    ]) {
      const result = await runCli(args);
      assert.equal(result.code, 0);
      assert.match(result.stdout.join('\n'), /db copy --from URL --to URL \[--replace\]/);
    }
  });
});
