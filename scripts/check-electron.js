#!/usr/bin/env node
// `npm start`'s first step (prestart): the desktop app needs a Node that Electron's package
// accepts and Electron's own binary, which npm does not download during `npm install` (the
// electron package fetches it on first use). Without either, `electron .` fails with a stack
// trace; this says in one line what to do instead, before anything is built.
//
//   node scripts/check-electron.js   exit 0 when `electron .` can run (downloading Electron once)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const SERVE_INSTEAD = 'or run the server without the desktop app: npx foxden serve';

/** The lowest Node an `engines.node` range such as ">= 22.12.0" accepts; null when it names none. */
export function minimumNode(range) {
  const match = />=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(range ?? '');
  if (!match) return null;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

function atLeast(version, minimum) {
  const parts = version.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((parts[i] ?? 0) !== minimum[i]) return (parts[i] ?? 0) > minimum[i];
  }
  return true;
}

/** One line when this Node is older than Electron's package needs, else null. */
export function nodeVersionProblem({ nodeVersion, electronVersion, engines }) {
  const minimum = minimumNode(engines);
  if (minimum === null || atLeast(nodeVersion, minimum)) return null;
  return (
    `npm start needs Node ${minimum.join('.')} or newer (Electron ${electronVersion} requires it; this is ` +
    `Node ${nodeVersion.replace(/^v/, '')}): install a newer Node, ${SERVE_INSTEAD}`
  );
}

/**
 * Whether the electron package in `electronDir` has its binary: the one its install script
 * writes (path.txt naming a file under dist/, dist/version equal to the package's version).
 */
export function electronBinaryPresent(electronDir) {
  try {
    const { version } = JSON.parse(fs.readFileSync(path.join(electronDir, 'package.json'), 'utf8'));
    const executable = fs.readFileSync(path.join(electronDir, 'path.txt'), 'utf8');
    const installed = fs.readFileSync(path.join(electronDir, 'dist', 'version'), 'utf8').replace(/^v/, '');
    return installed.trim() === version && fs.existsSync(path.join(electronDir, 'dist', executable));
  } catch {
    return false;
  }
}

/** One line for an Electron that could not be downloaded. */
export function downloadProblem(electronVersion) {
  return (
    `Electron ${electronVersion} could not be downloaded (npm start fetches it the first time and needs ` +
    `the internet): connect and run npm start again (or node node_modules/electron/install.js), ${SERVE_INSTEAD}`
  );
}

function main() {
  const require = createRequire(import.meta.url);
  const electronDir = path.dirname(require.resolve('electron/package.json'));
  const pkg = JSON.parse(fs.readFileSync(path.join(electronDir, 'package.json'), 'utf8'));
  const tooOld = nodeVersionProblem({
    nodeVersion: process.versions.node,
    electronVersion: pkg.version,
    engines: pkg.engines?.node,
  });
  if (tooOld) {
    console.error(tooOld);
    return 1;
  }
  // Electron's own override (a binary kept elsewhere) is used as it is.
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH || electronBinaryPresent(electronDir)) return 0;
  // Electron's install script ignores this variable (only npm's install step honours it), so a
  // download here would surprise whoever set it: say so instead.
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    console.error(
      `Electron ${pkg.version} is not downloaded and ELECTRON_SKIP_BINARY_DOWNLOAD is set: unset it and run npm start again, ${SERVE_INSTEAD}`,
    );
    return 1;
  }
  console.log(`Downloading Electron ${pkg.version} (the first npm start only)…`);
  const result = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { stdio: 'inherit' });
  if (result.status === 0 && electronBinaryPresent(electronDir)) return 0;
  console.error(downloadProblem(pkg.version));
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main();
}
