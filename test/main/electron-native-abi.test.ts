import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  buildEnvironment,
  builtCopyState,
  checkAbi,
  electronAbiOf,
  moduleVersionOf,
  wantedBuild,
} from '../../scripts/electron-native-abi.js';

/**
 * Issue 11 item 16: the Electron copy of better-sqlite3 was built against Node 20's headers
 * (it exported node_register_module_v115 where Electron 45 needs 150) and `--if-missing` kept
 * it because its built-for.json said Electron 45. The checks behind
 * scripts/build-electron-native.js, on the real files in node_modules.
 */

const require = createRequire(import.meta.url);
const nodeAddon = path.join(
  path.dirname(require.resolve('better-sqlite3/package.json')),
  'build',
  'Release',
  'better_sqlite3.node',
);
const electronDir = path.dirname(require.resolve('electron/package.json'));
const electronVersion = (
  JSON.parse(fs.readFileSync(path.join(electronDir, 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
const nodeAbi = Number(process.versions.modules);

test("the addon in node_modules is Node's: its exported symbol names Node's module version", () => {
  const version = moduleVersionOf(fs.readFileSync(nodeAddon));
  assert.equal(version, nodeAbi);
  if (process.versions.node.startsWith('20.')) assert.equal(version, 115);
  assert.equal(moduleVersionOf(Buffer.from('no symbol here')), null);
});

test("Electron's module version: its abi_version file, and node-abi agrees", () => {
  const abi = electronAbiOf(electronDir);
  const nodeAbiTable = require('node-abi') as { getAbi(target: string, runtime: string): string };
  assert.equal(abi, Number(nodeAbiTable.getAbi(electronVersion, 'electron')));
  if (electronVersion.startsWith('45.')) assert.equal(abi, 150);
  assert.notEqual(abi, nodeAbi, "Electron's ABI differs from Node's, which is why a second copy is built");
});

test("the check accepts an addon built for the wanted ABI and refuses Node's for Electron, in one plain line", () => {
  const binary = fs.readFileSync(nodeAddon);
  assert.deepEqual(checkAbi({ file: 'x.node', binary, expectedAbi: nodeAbi, electronVersion }), {
    ok: true,
    abi: nodeAbi,
  });
  const electronAbi = electronAbiOf(electronDir);
  const refused = checkAbi({
    file: 'build/electron-native/better_sqlite3.node',
    binary,
    expectedAbi: electronAbi,
    electronVersion,
  });
  assert.equal(refused.ok, false);
  if (refused.ok) return;
  assert.equal(refused.abi, nodeAbi);
  assert.equal(
    refused.message,
    `build/electron-native/better_sqlite3.node is built for module version ${nodeAbi} (Node ${process.versions.node}'s, ` +
      `not Electron's), but Electron ${electronVersion} needs module version ${electronAbi}: ` +
      'run "npm run build:electron-native" (it needs internet) to rebuild it.',
  );
  assert.doesNotMatch(refused.message, /\n/);
});

test('--if-missing: a missing file, a stale stamp, or a file of the wrong ABI under a right stamp all rebuild', () => {
  const wanted = wantedBuild({
    electronVersion,
    betterSqlite3Version: '12.9.0',
    abi: electronAbiOf(electronDir),
    platform: process.platform,
    arch: process.arch,
  });
  const file = 'build/electron-native/better_sqlite3.node';
  const stamp = JSON.stringify(wanted);
  const electronBuilt = Buffer.from(`\0\0node_register_module_v${wanted.abi}\0`, 'latin1');

  assert.equal(builtCopyState({ file, binary: null, stampText: null, wanted }).upToDate, false);
  assert.match(
    builtCopyState({ file, binary: electronBuilt, stampText: null, wanted }).reason,
    /no readable built-for\.json/,
  );
  // The stamp of an older Electron: rebuild for the new one.
  const older = builtCopyState({
    file,
    binary: electronBuilt,
    stampText: JSON.stringify({ ...wanted, electron: '44.0.0' }),
    wanted,
  });
  assert.equal(older.upToDate, false);
  assert.match(older.reason, /built for electron 44\.0\.0, now /);
  // The field's case: Node's addon under a stamp that claims this Electron. The old check
  // trusted the stamp; the file's own symbol says otherwise.
  const mislabelled = builtCopyState({ file, binary: fs.readFileSync(nodeAddon), stampText: stamp, wanted });
  assert.equal(mislabelled.upToDate, false);
  assert.match(
    mislabelled.reason,
    new RegExp(`module version ${nodeAbi} .* needs module version ${wanted.abi}`),
  );
  // Right file, right stamp: nothing to do.
  assert.equal(builtCopyState({ file, binary: electronBuilt, stampText: stamp, wanted }).upToDate, true);
});

test("the build's environment drops npm's nodedir, target and runtime, and keeps the rest", () => {
  const clean = buildEnvironment({
    PATH: '/usr/bin',
    npm_config_nodedir: '/usr/include/node',
    NPM_CONFIG_NODEDIR: '/usr/include/node',
    npm_config_target: '20.19.0',
    npm_config_runtime: 'node',
    npm_config_disturl: 'https://nodejs.org/dist',
    npm_config_cache: '/tmp/npm-cache',
  });
  assert.deepEqual(clean, { PATH: '/usr/bin', npm_config_cache: '/tmp/npm-cache' });
});
