import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { ensurePrivateDir, tightenFile } from '../fs/private-path.js';
import { readIfPresent } from '../fs/read-if-present.js';
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
  const existing = readSecretIfPresent(file);
  if (existing) {
    tightenFile(file);
    return existing;
  }
  ensurePrivateDir(config.dataDir);
  const secret = randomBytes(32).toString('hex');
  // If another process creates it first we use theirs instead of overwriting it.
  if (createFileExclusive(file, secret + '\n')) return secret;
  const theirs = readSecretIfPresent(file);
  if (!theirs) throw new Error(`The master secret file ${file} exists but is empty`);
  return theirs;
}

function readSecretFile(file: string): string {
  return firstLine(fs.readFileSync(file, 'utf8'));
}

function firstLine(text: string): string {
  return (text.split(/\r?\n/)[0] ?? '').trim();
}

/** The secret in `file` (its first line), or null when the file is missing or empty. */
function readSecretIfPresent(file: string): string | null {
  const text = readIfPresent(file);
  return text === null ? null : firstLine(text) || null;
}
