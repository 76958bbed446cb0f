#!/usr/bin/env node
// Builds a second copy of the better-sqlite3 addon for Electron's ABI into
// build/electron-native/better_sqlite3.node. The copy in node_modules stays built for Node, so
// `npm test` and headless mode keep working; the unpackaged desktop app (`npm start`) passes
// this file to better-sqlite3 as `nativeBinding` (main/paths.ts). Packaged builds do not use
// it: electron-builder rebuilds node_modules for Electron itself.
//
//   node scripts/build-electron-native.js               build (or download) it
//   node scripts/build-electron-native.js --if-missing  only when the file is not there (prestart)
//   node scripts/build-electron-native.js --from-source skip the prebuilt download
//
// Needs the network: a prebuilt binary from better-sqlite3's GitHub releases (prebuild-install),
// or, failing that, Electron's headers for node-gyp plus a C++ toolchain (python3, make, g++;
// on Windows the Visual Studio build tools).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const outDir = path.join(root, 'build', 'electron-native');
const outFile = path.join(outDir, 'better_sqlite3.node');
const stampFile = path.join(outDir, 'built-for.json');

const args = new Set(process.argv.slice(2));
const electronVersion = JSON.parse(fs.readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = JSON.parse(fs.readFileSync(path.join(sqliteDir, 'package.json'), 'utf8')).version;
const wanted = {
  electron: electronVersion,
  betterSqlite3: sqliteVersion,
  platform: process.platform,
  arch: process.arch,
};

function upToDate() {
  if (!fs.existsSync(outFile) || !fs.existsSync(stampFile)) return false;
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    return Object.entries(wanted).every(([key, value]) => stamp[key] === value);
  } catch {
    return false;
  }
}

if (args.has('--if-missing') && upToDate()) process.exit(0);

function run(command, commandArgs, cwd) {
  console.log(`> ${[command, ...commandArgs].join(' ')}`);
  const result = spawnSync(command, commandArgs, {
    cwd,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  return result.status === 0;
}

/** node-gyp: the one npm runs scripts with (npm_config_node_gyp), else the one npm ships. */
function nodeGypScript() {
  const npmGyp = path.join('npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const nodeDir = path.dirname(process.execPath);
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(nodeDir, '..', 'lib', 'node_modules', npmGyp),
    path.join(nodeDir, 'node_modules', npmGyp),
  ];
  return candidates.find((c) => c && fs.existsSync(c)) ?? null;
}

// Work in a copy, so node_modules/better-sqlite3/build (Node's addon) is never touched.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-electron-native-'));
const copy = path.join(work, 'better-sqlite3');
try {
  fs.cpSync(sqliteDir, copy, {
    recursive: true,
    filter: (src) => path.relative(sqliteDir, src).split(path.sep)[0] !== 'build',
  });
  const built = path.join(copy, 'build', 'Release', 'better_sqlite3.node');

  let ok = false;
  if (!args.has('--from-source')) {
    const prebuild = path.join(path.dirname(require.resolve('prebuild-install/package.json')), 'bin.js');
    ok = run(
      process.execPath,
      [
        prebuild,
        '--runtime',
        'electron',
        '--target',
        electronVersion,
        '--arch',
        process.arch,
        '--platform',
        process.platform,
        '--path',
        copy,
        '--verbose',
      ],
      copy,
    );
    ok = ok && fs.existsSync(built);
    if (!ok) console.log('No prebuilt addon for this Electron; building from source.');
  }
  if (!ok) {
    const gyp = nodeGypScript();
    if (!gyp)
      throw new Error(
        'node-gyp not found (it comes with npm). Run this through `npm run build:electron-native`.',
      );
    ok = run(
      process.execPath,
      [
        gyp,
        'rebuild',
        '--release',
        `--target=${electronVersion}`,
        `--arch=${process.arch}`,
        '--dist-url=https://electronjs.org/headers',
        '--runtime=electron',
      ],
      copy,
    );
    ok = ok && fs.existsSync(built);
  }
  if (!ok) throw new Error('Could not download or build better-sqlite3 for Electron; see the output above.');

  fs.mkdirSync(outDir, { recursive: true });
  fs.copyFileSync(built, outFile);
  fs.writeFileSync(stampFile, JSON.stringify(wanted, null, 2) + '\n');
  console.log(
    `Wrote ${path.relative(root, outFile)} for Electron ${electronVersion} (${process.platform}-${process.arch}).`,
  );
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
