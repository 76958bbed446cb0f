import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { forgetSigningKey, SIGNING_KEY_FILE } from '../fxa/signing-key.js';
import { replaceFileAtomic } from '../fs/write-atomic.js';

/**
 * The two secrets outside the database that a full restore also needs (issue 8, finding 7).
 * Neither protects synced data (browsers encrypt that with keys Foxden never sees); losing
 * them costs each browser one round of new tokens, not data. docs/dashboard.md says so.
 *
 * - `sync15-master-secret`: signs Sync 1.5 tokens (`<dataDir>/master-secret`, or the
 *   --master-secret-file / FOXDEN_MASTER_SECRET the owner set).
 * - `fxa-signing-key`: signs the access tokens of Foxden's local accounts
 *   (`<dataDir>/fxa-signing-key.pem`).
 */
export type SecretName = 'sync15-master-secret' | 'fxa-signing-key';

export interface BackupSecret {
  name: SecretName | string;
  value: string;
  /** Where it came from, in words ("/var/lib/foxden/master-secret", "FOXDEN_MASTER_SECRET"). */
  source: string;
  /** What it is for, for whoever opens the backup file with sqlite3. */
  note: string;
}

export const MASTER_SECRET_FILE = 'master-secret';

const NOTES: Record<SecretName, string> = {
  'sync15-master-secret':
    'Signs Sync 1.5 tokens. If lost, browsers get new tokens once; no synced data is lost.',
  'fxa-signing-key':
    "Signs Foxden's local-account access tokens. If lost, Firefox fetches new tokens once; no data is lost.",
};

type SecretConfig = Pick<Config, 'masterSecret' | 'masterSecretFile' | 'dataDir'>;

function readFirstLine(file: string): string | null {
  try {
    return (fs.readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '').trim() || null;
  } catch {
    return null;
  }
}

function readWhole(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Where the master secret comes from for this configuration, in words, and its value. */
function masterSecretOf(config: SecretConfig): { value: string | null; source: string; external: boolean } {
  if (config.masterSecretFile) {
    return {
      value: config.masterSecret ?? readFirstLine(config.masterSecretFile),
      source: config.masterSecretFile,
      external: true,
    };
  }
  if (config.masterSecret)
    return { value: config.masterSecret, source: 'FOXDEN_MASTER_SECRET', external: true };
  const file = path.join(config.dataDir, MASTER_SECRET_FILE);
  return { value: readFirstLine(file), source: file, external: false };
}

/** The secrets as they are now; a secret not created yet is simply absent. Never creates one. */
export function collectSecrets(config: SecretConfig): BackupSecret[] {
  const out: BackupSecret[] = [];
  const master = masterSecretOf(config);
  if (master.value) {
    out.push({
      name: 'sync15-master-secret',
      value: master.value,
      source: master.source,
      note: NOTES['sync15-master-secret'],
    });
  }
  const keyFile = path.join(config.dataDir, SIGNING_KEY_FILE);
  const pem = readWhole(keyFile);
  if (pem) out.push({ name: 'fxa-signing-key', value: pem, source: keyFile, note: NOTES['fxa-signing-key'] });
  return out;
}

/** Writes `content` to `file` (0600) through a temp file, keeping an existing one as `.before-restore`. */
function replaceKeepingPrevious(file: string, content: string): string | null {
  const kept = file + '.before-restore';
  return replaceFileAtomic(file, content, kept) ? kept : null;
}

function isValidPrivateKey(pem: string): boolean {
  try {
    crypto.createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}

/**
 * Puts the backup's secrets back where this configuration keeps them, keeping the previous
 * files as `.before-restore`. A secret the owner keeps outside the data directory (a
 * --master-secret-file or FOXDEN_MASTER_SECRET) is never written: the line says whether it
 * matches. Returns one plain line per secret.
 */
export function restoreSecrets(secrets: readonly BackupSecret[], config: SecretConfig): string[] {
  const lines: string[] = [];
  const byName = new Map(secrets.map((s) => [s.name, s]));

  const fromBackup = byName.get('sync15-master-secret');
  const master = masterSecretOf(config);
  if (!fromBackup) {
    lines.push(
      'The backup holds no Sync 1.5 master secret (none existed yet, or an older Foxden made it); the current one stays. Browsers fetch new sync tokens once if it differs.',
    );
  } else if (master.value === fromBackup.value) {
    lines.push(`The Sync 1.5 master secret is the backup's already (${master.source}).`);
  } else if (master.external) {
    lines.push(
      `The backup's Sync 1.5 master secret differs from the one in use (${master.source}), which Foxden does not change; browsers will fetch new sync tokens once.`,
    );
  } else {
    const previous = replaceKeepingPrevious(master.source, fromBackup.value + '\n');
    lines.push(
      `Put back the Sync 1.5 master secret in ${master.source}` +
        (previous ? ` (the previous one is kept as ${previous}).` : '.'),
    );
  }

  const key = byName.get('fxa-signing-key');
  const keyFile = path.join(config.dataDir, SIGNING_KEY_FILE);
  if (!key) {
    lines.push(
      'The backup holds no local-accounts signing key (none existed yet, or an older Foxden made it); the current one stays.',
    );
  } else if (!isValidPrivateKey(key.value)) {
    lines.push("The backup's local-accounts signing key is damaged; the current one stays.");
  } else if (readWhole(keyFile) === key.value) {
    lines.push(`The local-accounts signing key is the backup's already (${keyFile}).`);
  } else {
    const previous = replaceKeepingPrevious(keyFile, key.value);
    forgetSigningKey(config.dataDir);
    lines.push(
      `Put back the local-accounts signing key in ${keyFile}` +
        (previous ? ` (the previous one is kept as ${previous}).` : '.'),
    );
  }
  return lines;
}

/** For the dashboard and `foxden backup`: what the backup file carries besides the data. */
export function describeSecrets(secrets: readonly BackupSecret[]): string {
  if (secrets.length === 0) return 'No secrets exist yet, so the backup holds none.';
  const names = secrets.map((s) =>
    s.name === 'sync15-master-secret' ? 'the Sync 1.5 master secret' : 'the local-accounts signing key',
  );
  return `The backup also holds ${names.join(' and ')}: keep it private.`;
}
