import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, startServe } from './cli-process.js';

/**
 * `foxden backup FILE` and `foxden restore FILE` through the real CLI (issue 8, findings 7
 * and 8): a backup while the server runs, refusals that leave files alone, restore refused
 * while a server holds the database, and the previous database and secrets accounted for.
 */

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-cli-backup-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function journalByte(file: string): number {
  const b = Buffer.alloc(100);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, b, 0, 100, 0);
  } finally {
    fs.closeSync(fd);
  }
  return b[18] as number;
}

async function users(dataDir: string): Promise<string[]> {
  const list = await runCli(['user', 'list', '--data-dir', dataDir]);
  assert.equal(list.code, 0, list.stderr.join('\n'));
  return list.stdout.slice(1).map((line) => line.split(/\s+/)[0] as string);
}

async function addUser(dataDir: string, name: string): Promise<void> {
  const added = await runCli(['user', 'add', name, '--data-dir', dataDir], {
    stdin: 'correct horse battery\n',
  });
  assert.equal(added.code, 0, added.stderr.join('\n'));
}

describe('foxden backup / foxden restore', { timeout: 120_000 }, () => {
  const dataDir = path.join(root, 'data');
  const dbFile = path.join(dataDir, 'foxden.db');
  const backups = path.join(root, 'usb');
  const file = path.join(backups, 'foxden-backup.db');

  test('backup works while the server runs and writes one self-contained file', async () => {
    fs.mkdirSync(backups);
    await addUser(dataDir, 'alice');
    const server = await startServe(['--data-dir', dataDir]);
    try {
      const result = await runCli(['backup', file, '--data-dir', dataDir]);
      assert.equal(result.code, 0, result.stderr.join('\n'));
      assert.match(
        result.stdout.join('\n'),
        new RegExp(`Saved the backup ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
      assert.match(
        result.stdout.join('\n'),
        /master secret and the local-accounts signing key: keep it private/,
      );
      assert.deepEqual(
        fs.readdirSync(backups),
        ['foxden-backup.db'],
        'no -wal, -shm or temp file beside the backup',
      );
      assert.equal(journalByte(file), 1, 'journal mode DELETE, not WAL');
      if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    } finally {
      await server.stop();
    }
  });

  test('a file that is not a Foxden backup is never overwritten; a backup only with --replace', async () => {
    const notes = path.join(backups, 'notes.txt');
    fs.writeFileSync(notes, 'shopping list\n');
    const refused = await runCli(['backup', notes, '--replace', '--data-dir', dataDir]);
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr.length, 1, refused.stderr.join('\n'));
    assert.match(refused.stderr[0] ?? '', /is not a Foxden backup .*will not overwrite it/);
    assert.equal(fs.readFileSync(notes, 'utf8'), 'shopping list\n');

    const before = fs.readFileSync(file);
    const again = await runCli(['backup', file, '--data-dir', dataDir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr[0] ?? '', /A Foxden backup .*already exists .*Add --replace to replace it\./);
    assert.deepEqual(fs.readFileSync(file), before);

    const replaced = await runCli(['backup', file, '--replace', '--data-dir', dataDir]);
    assert.equal(replaced.code, 0, replaced.stderr.join('\n'));
  });

  test('restore is refused while a server runs on the database, naming its process id', async () => {
    const server = await startServe(['--data-dir', dataDir]);
    try {
      const refused = await runCli(['restore', file, '--data-dir', dataDir]);
      assert.equal(refused.code, 2);
      assert.match(
        refused.stderr[0] ?? '',
        new RegExp(`A Foxden server \\(process ${server.child.pid}\\) is running on .*stop it first`),
      );
    } finally {
      await server.stop();
    }
  });

  test('restore brings the backup back, says where the previous database went, and puts the secrets back', async () => {
    await addUser(dataDir, 'made-later');
    assert.deepEqual((await users(dataDir)).sort(), ['alice', 'made-later']);
    const secretFile = path.join(dataDir, 'master-secret');
    const original = fs.readFileSync(secretFile, 'utf8');
    fs.writeFileSync(secretFile, 'a-different-secret\n');

    const restored = await runCli(['restore', file, '--data-dir', dataDir]);
    assert.equal(restored.code, 0, restored.stderr.join('\n'));
    const out = restored.stdout.join('\n');
    assert.match(
      out,
      new RegExp(
        `The previous database was kept as ${dbFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.before-restore\\.`,
      ),
    );
    assert.match(out, /Put back the Sync 1\.5 master secret/);
    assert.ok(fs.existsSync(dbFile + '.before-restore'));
    assert.deepEqual(await users(dataDir), ['alice']);
    assert.equal(fs.readFileSync(secretFile, 'utf8'), original);
    assert.equal(fs.readFileSync(secretFile + '.before-restore', 'utf8'), 'a-different-secret\n');
    assert.deepEqual(
      fs.readdirSync(backups).sort(),
      ['foxden-backup.db', 'notes.txt'],
      'restoring created nothing beside the backup',
    );

    // The restored data directory serves again.
    const server = await startServe(['--data-dir', dataDir]);
    await server.stop();
  });

  test('--help names both commands; a missing file argument is one plain line', async () => {
    const help = await runCli(['backup', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout.join('\n'), /Usage: foxden backup <file> \[--replace\]/);
    const restoreHelp = await runCli(['restore', '--help']);
    assert.match(restoreHelp.stdout.join('\n'), /Usage: foxden restore <file>/);
    const missing = await runCli(['restore', '--data-dir', dataDir]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr[0] ?? '', /needs the backup file/);
  });
});
