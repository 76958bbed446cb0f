import fs from 'node:fs';
import { plainFsError } from './private-path.js';

/**
 * A file's text, or null when it does not exist. Any other failure (a data folder that is a
 * file: ENOTDIR, no permission) is the plain one-line error, not the system's.
 */
export function readIfPresent(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw plainFsError(err, file);
  }
}
