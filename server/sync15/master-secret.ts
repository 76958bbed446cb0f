import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { ensurePrivateDir, plainFsError, tightenFile } from '../fs/private-path.js';
import { createFileExclusive } from '../fs/write-atomic.js';

const SECRET_FILE = 'master-secret';

/**
 * The Sync 1.5 master secret (spec §3.5: used as its UTF-8 text): the configured value, else the
 * first line of `masterSecretFile`, else `<dataDir>/master-secret`, generated on first run.
 * Generating it once and keeping it means tokens survive restarts.
 */
export function resolveMasterSecret(
  config: Pick<Config, 'masterSecret' | 'masterSecretFile' | 'dataDir'>,
): string {
  if (config.masterSecret) return config.masterSecret;
  if (config.masterSecretFile) {
    const secret = readSecretFile(config.masterSecretFile);
    if (!secret) throw new Error(`The master secret file ${config.masterSecretFile} is empty`);
    return secret;
  }
  const file = path.join(config.dataDir, SECRET_FILE);
  const existing = readIfPresent(file);
  if (existing) {
    tightenFile(file);
    return existing;
  }
  ensurePrivateDir(config.dataDir);
  const secret = randomBytes(32).toString('hex');
  // If another process creates it first we use theirs instead of overwriting it.
  if (createFileExclusive(file, secret + '\n')) return secret;
  const theirs = readIfPresent(file);
  if (!theirs) throw new Error(`The master secret file ${file} exists but is empty`);
  return theirs;
}

function readSecretFile(file: string): string {
  return (fs.readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '').trim();
}

function readIfPresent(file: string): string | null {
  try {
    return readSecretFile(file) || null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // A data dir that is a file (ENOTDIR) or unreadable: the plain line, not the system's.
    throw plainFsError(err, file);
  }
}
