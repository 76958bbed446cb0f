import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  downloadProblem,
  electronBinaryPresent,
  minimumNode,
  nodeVersionProblem,
} from '../../scripts/check-electron.js';

/**
 * Issue 11 item 17: `npm start` needs Node ≥ 22.12 (Electron 45's package says so) and
 * Electron's binary, which is downloaded on the first start, not during `npm install`.
 * scripts/check-electron.js (prestart) says so in one line, with what to do instead.
 */

const script = path.resolve('scripts/check-electron.js');

test('a Node older than Electron needs: one plain line naming both and the way that works', () => {
  assert.deepEqual(minimumNode('>= 22.12.0'), [22, 12, 0]);
  assert.equal(minimumNode(undefined), null);
  const line = nodeVersionProblem({
    nodeVersion: '20.20.2',
    electronVersion: '45.5.0',
    engines: '>= 22.12.0',
  });
  assert.equal(
    line,
    'npm start needs Node 22.12.0 or newer (Electron 45.5.0 requires it; this is Node 20.20.2): ' +
      'install a newer Node, or run the server without the desktop app: npx foxden serve',
  );
  assert.equal(
    nodeVersionProblem({ nodeVersion: '22.12.0', electronVersion: '45.5.0', engines: '>= 22.12.0' }),
    null,
  );
  assert.equal(
    nodeVersionProblem({ nodeVersion: 'v24.1.0', electronVersion: '45.5.0', engines: '>= 22.12.0' }),
    null,
  );
  assert.notEqual(
    nodeVersionProblem({ nodeVersion: '22.11.9', electronVersion: '45.5.0', engines: '>= 22.12.0' }),
    null,
  );
});

test('the binary counts as there only when path.txt, dist/<file> and dist/version all agree', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-electron-'));
  try {
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: '45.5.0' }));
    assert.equal(electronBinaryPresent(dir), false, 'nothing downloaded (as after npm install)');
    fs.writeFileSync(path.join(dir, 'path.txt'), 'electron');
    fs.mkdirSync(path.join(dir, 'dist'));
    fs.writeFileSync(path.join(dir, 'dist', 'version'), 'v45.5.0');
    assert.equal(electronBinaryPresent(dir), false, 'path.txt without the executable');
    fs.writeFileSync(path.join(dir, 'dist', 'electron'), '');
    assert.equal(electronBinaryPresent(dir), true);
    fs.writeFileSync(path.join(dir, 'dist', 'version'), 'v44.0.0');
    assert.equal(electronBinaryPresent(dir), false, 'an older Electron left behind by an upgrade');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.match(downloadProblem('45.5.0'), /^Electron 45\.5\.0 could not be downloaded .*npx foxden serve$/);
  assert.match(downloadProblem('45.5.0'), /node node_modules\/electron\/install\.js/);
});

test('run as prestart on this Node: exit 0, or exit 1 with exactly one line on standard error', () => {
  // Never a download from a test: with the variable set, a missing binary is one line, not a fetch.
  const result = spawnSync(process.execPath, [script], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  });
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    // Node 20 (this project's floor): stops before building or downloading anything.
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', /^npm start needs Node 22\.12\.0 or newer .*: npx foxden serve$/);
  } else if (result.status !== 0) {
    assert.equal(result.status, 1);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', /ELECTRON_SKIP_BINARY_DOWNLOAD is set: .*npx foxden serve$/);
  }
});
