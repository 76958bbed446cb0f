#!/usr/bin/env node
// Builds a second copy of the better-sqlite3 addon for Electron's ABI into
// build/electron-native/better_sqlite3.node. The copy in node_modules stays built for Node, so
// `npm test` and headless mode keep working; the unpackaged desktop app (`npm start`) passes
// this file to better-sqlite3 as `nativeBinding` (main/paths.ts). Packaged builds do not use
// it: electron-builder rebuilds node_modules for Electron itself.
//
//   node scripts/build-electron-native.js               build it (again)
//   node scripts/build-electron-native.js --if-missing  only when the copy is missing or wrong (prestart)
//   node scripts/build-electron-native.js --from-source skip the prebuilt download
//
// The build is @electron/rebuild's (the tool made for this): a prebuilt addon for this
// Electron from better-sqlite3's releases (prebuild-install), or node-gyp against Electron's
// headers with a C++ toolchain (python3, make, g++; on Windows the Visual Studio build tools).
// Either way it needs the internet. The result is checked: its exported
// node_register_module_v<N> must be Electron's module version, or nothing is installed.
// `--if-missing` rebuilds when Electron, better-sqlite3, the platform or the file's own module
// version no longer match built-for.json.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  buildEnvironment,
  builtCopyState,
  checkAbi,
  electronAbiOf,
  wantedBuild,
} from './electron-native-abi.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// main/paths.ts ELECTRON_NATIVE_ADDON names the same file.
const outDir = path.join(root, 'build', 'electron-native');
const outFile = path.join(outDir, 'better_sqlite3.node');
const stampFile = path.join(outDir, 'built-for.json');
const shown = path.relative(root, outFile);

const args = new Set(process.argv.slice(2));
const electronDir = path.dirname(require.resolve('electron/package.json'));
const electronVersion = JSON.parse(fs.readFileSync(path.join(electronDir, 'package.json'), 'utf8')).version;
const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = JSON.parse(fs.readFileSync(path.join(sqliteDir, 'package.json'), 'utf8')).version;
const wanted = wantedBuild({
  electronVersion,
  betterSqlite3Version: sqliteVersion,
  abi: electronAbiOf(electronDir),
  platform: process.platform,
  arch: process.arch,
});

const readOrNull = (file, encoding) => (fs.existsSync(file) ? fs.readFileSync(file, encoding) : null);

if (args.has('--if-missing')) {
  const state = builtCopyState({
    file: shown,
    binary: readOrNull(outFile),
    stampText: readOrNull(stampFile, 'utf8'),
    wanted,
  });
  if (state.upToDate) process.exit(0);
  console.log(`Building the SQLite addon for Electron: ${state.reason.replace(/\.$/, '')}.`);
}

/** One plain line for a build that could not run, saying what to do instead. */
function failed(reason) {
  console.error(
    `Could not build better-sqlite3 for Electron ${electronVersion} (${reason}). This needs the ` +
      `internet (Electron's headers or a prebuilt addon), and without a prebuilt one a C++ ` +
      `toolchain; connect and run "npm run build:electron-native", or run the server without ` +
      `the desktop app: npx foxden serve`,
  );
  process.exitCode = 1;
}

// A copy Electron cannot load goes first, so a failed build leaves no wrong addon behind: the
// desktop app then says the addon is missing and which command builds it.
const existing = readOrNull(outFile);
if (existing !== null) {
  const check = checkAbi({ file: shown, binary: existing, expectedAbi: wanted.abi, electronVersion });
  if (!check.ok) {
    fs.rmSync(outFile, { force: true });
    fs.rmSync(stampFile, { force: true });
  }
}

// npm's own settings (nodedir above all) would make node-gyp build against Node's headers.
const clean = buildEnvironment(process.env);
for (const key of Object.keys(process.env)) if (!(key in clean)) delete process.env[key];

// Work in a copy inside build/ (so prebuild-install is found up the tree in node_modules), so
// node_modules/better-sqlite3/build, Node's addon, is never touched.
const work = path.join(outDir, `work-${process.pid}`);
try {
  const { rebuild } = await import('@electron/rebuild');
  const copy = path.join(work, 'node_modules', 'better-sqlite3');
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  fs.cpSync(sqliteDir, copy, {
    recursive: true,
    filter: (src) => path.relative(sqliteDir, src).split(path.sep)[0] !== 'build',
  });
  fs.writeFileSync(
    path.join(work, 'package.json'),
    JSON.stringify({
      name: 'foxden-electron-native',
      private: true,
      dependencies: { 'better-sqlite3': sqliteVersion },
    }),
  );

  console.log(
    `Building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (module version ${wanted.abi})…`,
  );
  await rebuild({
    buildPath: work,
    // Only this copy: never walk up into the project's own node_modules.
    projectRootPath: work,
    electronVersion,
    arch: process.arch,
    onlyModules: ['better-sqlite3'],
    force: true,
    buildFromSource: args.has('--from-source'),
    mode: 'sequential',
  });

  const built = path.join(copy, 'build', 'Release', 'better_sqlite3.node');
  if (!fs.existsSync(built))
    throw new Error(`@electron/rebuild finished without ${path.relative(work, built)}`);
  const check = checkAbi({
    file: 'the addon just built',
    binary: fs.readFileSync(built),
    expectedAbi: wanted.abi,
    electronVersion,
  });
  if (!check.ok) {
    // Never install a copy Electron cannot load: say so loudly and leave the old one alone.
    console.error(check.message);
    process.exitCode = 1;
  } else {
    fs.copyFileSync(built, outFile);
    fs.writeFileSync(stampFile, JSON.stringify(wanted, null, 2) + '\n');
    console.log(
      `Wrote ${shown} for Electron ${electronVersion} (module version ${wanted.abi}, ${process.platform}-${process.arch}).`,
    );
  }
} catch (err) {
  failed(err instanceof Error ? err.message.split('\n')[0] : String(err));
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
