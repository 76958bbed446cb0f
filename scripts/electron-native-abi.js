// The checks behind scripts/build-electron-native.js, as pure functions a test can call: which
// module version (ABI) a compiled addon was built for, which one the installed Electron needs,
// whether the copy in build/electron-native is still the right one, and the environment the
// build runs in. Kept apart from the build itself, which needs the network.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The module version a compiled addon was built for, read from the symbol every non-N-API addon
 * exports (`node_register_module_v115` for Node 20, `…v150` for Electron 45); null when the
 * file has none (not an addon, or an N-API one).
 */
export function moduleVersionOf(binary) {
  const text = Buffer.isBuffer(binary) ? binary.toString('latin1') : String(binary);
  const match = /node_register_module_v(\d+)/.exec(text);
  return match ? Number(match[1]) : null;
}

/**
 * The module version the Electron in `electronDir` (node_modules/electron) needs: its own
 * `abi_version` file, or node-abi's table for its version when the package has none.
 */
export function electronAbiOf(electronDir) {
  const file = path.join(electronDir, 'abi_version');
  if (fs.existsSync(file)) {
    const text = fs.readFileSync(file, 'utf8').trim();
    if (/^\d+$/.test(text)) return Number(text);
  }
  const { version } = JSON.parse(fs.readFileSync(path.join(electronDir, 'package.json'), 'utf8'));
  return Number(require('node-abi').getAbi(version, 'electron'));
}

/** "module version 115 (this Node's)" when it is the running Node's, so a mix-up is obvious. */
function describeVersion(abi) {
  if (abi === null) return 'no module version at all (not a Node addon)';
  return abi === Number(process.versions.modules)
    ? `module version ${abi} (Node ${process.versions.node}'s, not Electron's)`
    : `module version ${abi}`;
}

/**
 * Whether the addon `file` holds (its bytes) fits Electron `electronVersion`, which needs
 * module version `expectedAbi`. `{ ok: false, message }` says it in one plain line.
 */
export function checkAbi({ file, binary, expectedAbi, electronVersion }) {
  const actual = moduleVersionOf(binary);
  if (actual === expectedAbi) return { ok: true, abi: actual };
  return {
    ok: false,
    abi: actual,
    message:
      `${file} is built for ${describeVersion(actual)}, but Electron ${electronVersion} needs module ` +
      `version ${expectedAbi}: run "npm run build:electron-native" (it needs internet) to rebuild it.`,
  };
}

/** What the Electron copy must have been built for; written beside it as built-for.json. */
export function wantedBuild({ electronVersion, betterSqlite3Version, abi, platform, arch }) {
  return { electron: electronVersion, betterSqlite3: betterSqlite3Version, abi, platform, arch };
}

/**
 * Whether the copy in build/electron-native can be used as it is: the file is there, its stamp
 * names the same Electron, better-sqlite3, platform and arch, and the file's own module version
 * is the one Electron needs (a stamp can be wrong; the symbol cannot). `reason` says why not.
 */
export function builtCopyState({ file, binary, stampText, wanted }) {
  if (binary === null) return { upToDate: false, reason: `${file} does not exist yet` };
  let stamp = null;
  try {
    stamp = stampText === null ? null : JSON.parse(stampText);
  } catch {
    stamp = null;
  }
  if (stamp === null || typeof stamp !== 'object') {
    return { upToDate: false, reason: `${file} has no readable built-for.json beside it` };
  }
  for (const [key, value] of Object.entries(wanted)) {
    if (stamp[key] !== value) {
      return {
        upToDate: false,
        reason: `${file} was built for ${key} ${String(stamp[key] ?? 'unknown')}, now ${String(value)}`,
      };
    }
  }
  const abi = checkAbi({ file, binary, expectedAbi: wanted.abi, electronVersion: wanted.electron });
  if (!abi.ok) return { upToDate: false, reason: abi.message };
  return { upToDate: true, reason: `${file} is built for Electron ${wanted.electron}` };
}

/**
 * npm settings that make node-gyp or prebuild-install build for another runtime than the one
 * asked for: `nodedir` (Node's own headers won over Electron's target before) and the
 * target/runtime/dist-url of whatever ran npm. Their `npm_config_*` variables, any case, go.
 */
const FOREIGN_BUILD_SETTINGS = /^npm_config_(nodedir|target|runtime|disturl|dist_url|build_from_source)$/i;

export function buildEnvironment(env) {
  const clean = {};
  for (const [key, value] of Object.entries(env)) {
    if (!FOREIGN_BUILD_SETTINGS.test(key)) clean[key] = value;
  }
  return clean;
}
