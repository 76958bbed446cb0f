import fs from 'node:fs';
import type os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNetworkInterfaces } from '../network-interfaces.js';

/**
 * This machine's addresses other devices can use: non-internal IPv4 and global IPv6.
 * Link-local IPv6 (fe80::) is left out because a URL to it needs an interface scope. None
 * when the system refuses to list its interfaces (readNetworkInterfaces).
 */
export function lanAddresses(
  interfaces: ReturnType<typeof os.networkInterfaces> = readNetworkInterfaces(),
): string[] {
  const out: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const addr of list ?? []) {
      if (addr.internal) continue;
      if (addr.family === 'IPv6' && /^fe80:/i.test(addr.address)) continue;
      out.push(addr.address);
    }
  }
  return out;
}

let cachedRoot: { dir: string; version: string } | null = null;

/** The directory holding Foxden's package.json, found upward from this file (source or dist). */
function findPackage(): { dir: string; version: string } {
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'foxden')
        return (cachedRoot = { dir, version: typeof pkg.version === 'string' ? pkg.version : 'unknown' });
    } catch {
      // not here; look one level up
    }
    dir = path.dirname(dir);
  }
  return (cachedRoot = { dir: process.cwd(), version: 'unknown' });
}

export function foxdenVersion(): string {
  return findPackage().version;
}

/** Where Vite puts the built GUI (vite.config.ts `build.outDir`). */
export function defaultStaticDir(): string {
  return path.join(findPackage().dir, 'dist', 'renderer');
}
