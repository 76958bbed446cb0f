import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFileExclusive, replaceFileAtomic, writeFileAtomic } from '../../server/fs/write-atomic.js';
import { decodePathSegment, searchParams } from '../../server/http/url-parts.js';
import { scopesOf, scopeWords } from '../../server/jwt/scopes.js';

// The one copy of each job issue 9's duplicates check found done several times.

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-shared-'));
}

test('replaceFileAtomic: 0600, the previous file kept on request, no temp file left', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'secret');
    assert.equal(replaceFileAtomic(file, 'one\n', `${file}.before-restore`), false, 'nothing to keep yet');
    assert.equal(replaceFileAtomic(file, 'two\n', `${file}.before-restore`), true);
    assert.equal(fs.readFileSync(file, 'utf8'), 'two\n');
    assert.equal(fs.readFileSync(`${file}.before-restore`, 'utf8'), 'one\n');
    if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    // A directory in the way: a plain error, and the temp file is gone.
    fs.mkdirSync(path.join(dir, 'taken'));
    assert.throws(() => replaceFileAtomic(path.join(dir, 'taken'), 'x'));
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')),
      [],
    );
    writeFileAtomic(path.join(dir, 'new', 'settings.json'), '{}\n');
    assert.equal(fs.readFileSync(path.join(dir, 'new', 'settings.json'), 'utf8'), '{}\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('createFileExclusive: writes a new file once, never overwrites one that exists', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'master-secret');
    assert.equal(createFileExclusive(file, 'ours\n'), true);
    assert.equal(createFileExclusive(file, 'theirs\n'), false);
    assert.equal(fs.readFileSync(file, 'utf8'), 'ours\n');
    if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.throws(() => createFileExclusive(path.join(dir, 'missing', 'x'), 'y'), /missing/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('decodePathSegment and searchParams read a raw URL the same way for every adapter', () => {
  assert.equal(decodePathSegment('a%20b'), 'a b');
  assert.equal(decodePathSegment('%zz'), null);
  assert.equal(decodePathSegment('%E0%A4%A'), null);
  assert.equal(searchParams('/1.5/1/storage/tabs?ids=a%2Cb&full=1').get('ids'), 'a,b');
  assert.equal(searchParams('/1.5/1/storage/tabs').toString(), '');
});

test('scopesOf reads a claim as FxA writes it; scopeWords an OAuth scope parameter', () => {
  assert.deepEqual(scopesOf('profile https://identity.mozilla.com/apps/oldsync'), [
    'profile',
    'https://identity.mozilla.com/apps/oldsync',
  ]);
  assert.deepEqual(scopesOf('a,b  c'), ['a', 'b', 'c']);
  assert.deepEqual(scopesOf(['a', 1, 'b']), ['a', 'b']);
  assert.deepEqual(scopesOf(undefined), []);
  assert.deepEqual(scopeWords('  a\tb  '), ['a', 'b']);
  assert.deepEqual(scopeWords('a,b'), ['a,b'], 'OAuth separates scopes with white space only');
});
