import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FileSystemProblem, tightenFile } from '../fs/private-path.js';
import { writeFileAtomic } from './settings-store.js';

const TOKEN_FILE = 'admin-token';
const TOKEN_PATTERN = /^[0-9a-f]{64}$/;

/**
 * The admin API key: 32 random bytes as hex in `<dataDir>/admin-token` (0600), reused across
 * restarts so a bookmarked dashboard keeps working. A damaged file is replaced.
 */
export function loadOrCreateAdminToken(dataDir: string): string {
  const file = path.join(dataDir, TOKEN_FILE);
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (TOKEN_PATTERN.test(existing)) {
      // Loose modes are tightened (and logged); one we may not tighten stops the start.
      tightenFile(file);
      return existing;
    }
  } catch (err) {
    if (err instanceof FileSystemProblem) throw err;
    // missing or unreadable: make a new one
  }
  const token = crypto.randomBytes(32).toString('hex');
  writeFileAtomic(file, token + '\n');
  return token;
}

/** Constant-time comparison; hashing first makes the lengths equal. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}
