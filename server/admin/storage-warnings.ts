import { formatBytes } from '../fs/private-path.js';
import type { StorageHealthStatus } from '../storage-health.js';
import type { Warning } from './api.js';

/**
 * The disk under the database, in plain words: full (writes are failing now, each answered 503
 * so clients retry later and lose nothing) or running low (before that happens).
 */
export function storageWarnings(status: StorageHealthStatus | null | undefined): Warning[] {
  if (!status) return [];
  const free = status.free ? `${formatBytes(status.free.freeBytes)} free` : 'free space unknown';
  if (status.diskFull) {
    return [
      {
        code: 'disk-full',
        severity: 'error',
        message: `The disk holding the database (${status.dir}) is full (${free}): syncs that change data are refused until there is room; nothing already stored is lost.`,
        hint: 'Free some space on that disk (or move the data folder to a bigger one); syncing resumes by itself.',
      },
    ];
  }
  if (status.free && status.free.freeBytes < status.lowSpaceBytes) {
    return [
      {
        code: 'disk-space-low',
        severity: 'warning',
        message: `The disk holding the database (${status.dir}) is nearly full: ${free} of ${formatBytes(status.free.totalBytes)}.`,
        hint: `Free some space before syncs start failing; Foxden warns below ${formatBytes(status.lowSpaceBytes)}.`,
      },
    ];
  }
  return [];
}
