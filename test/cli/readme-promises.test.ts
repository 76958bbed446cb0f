import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, startServe, tempCases } from './cli-process.js';

/**
 * Issue 11 item 17: the README mixed `foxden …` and `npx foxden …`, said that `foxden serve`
 * prints "a line containing `listening`" where it prints two, and led with `npm start`, which
 * needs Node ≥ 22.12 and the internet. What it says now, checked against the checkout.
 */

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const { fresh } = tempCases('foxden-readme-', 'data');

test('the README spells every command from the checkout one way: npx foxden …', () => {
  const bare = [
    ...readme.matchAll(/(?<![\w/.-])(?<!npx )foxden (serve|user|backup|restore|db|setup-info)\b/g),
  ];
  assert.deepEqual(
    bare.map((m) => m[0]),
    [],
    'commands without npx',
  );
});

test('the two commands lead with the path that works everywhere, and npm start says what it needs', () => {
  const block = /## Two commands\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const commands = block
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.replace(/\s+#.*$/, ''));
  assert.deepEqual(commands, ['npm install && npx foxden serve', 'npm test']);
  assert.match(readme, /Node 22\.12 or newer/);
  assert.match(readme, /The internet on the first `npm start`/);
  assert.doesNotMatch(readme, /downloads Electron's binary during\s+`npm install`/);
});

test('serve prints as many lines containing "listening" as the README says (two)', async () => {
  assert.match(readme, /`npx foxden serve` prints two lines containing `listening`/);
  const serve = await startServe(['--data-dir', fresh()]);
  try {
    // The summary line comes last of the start-up lines; nothing else says "listening" later.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const listening = serve.stdout.filter((line) => line.includes('listening'));
    assert.equal(listening.length, 2, serve.stdout.join('\n'));
    assert.match(listening[0] ?? '', /INFO listening on http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(listening[1] ?? '', /INFO Foxden listening on http:\/\/127\.0\.0\.1:\d+\/ — clients use /);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});
