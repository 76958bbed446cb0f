import type { AdminSettings, Warning } from './api.js';

/** What the backup schedule knows, for the warnings every door shows (Status, tray, CLI). */
export interface BackupFacts {
  now: number;
  folder: string;
  lastGoodAt: number | null;
  /** The last failed scheduled backup, when no good one came after it. */
  lastFailure: { at: number; message: string } | null;
}

const DAY = 24 * 60 * 60 * 1000;
/** Older than this, the last good backup is worth a warning (issue 8: two days). */
export const BACKUP_STALE_MS = 2 * DAY;

function ago(ms: number): string {
  const days = Math.floor(ms / DAY);
  if (days >= 1) return days === 1 ? '1 day' : `${days} days`;
  const hours = Math.max(1, Math.floor(ms / (60 * 60 * 1000)));
  return hours === 1 ? '1 hour' : `${hours} hours`;
}

/**
 * A failed last backup, a last good one older than two days, and backups turned off with none
 * recent. A fresh install with the schedule on has no backup for its first minutes: no warning.
 */
export function backupWarnings(
  settings: Pick<AdminSettings, 'backupEveryHours'>,
  facts: BackupFacts | null | undefined,
): Warning[] {
  if (!facts) return [];
  const out: Warning[] = [];
  if (facts.lastFailure) {
    out.push({
      code: 'backup-failed',
      severity: 'error',
      message: `The last scheduled backup failed ${ago(facts.now - facts.lastFailure.at)} ago: ${facts.lastFailure.message}`,
      hint: `Check that ${facts.folder} exists and Foxden may write there (is the disk or network share connected?), then use "Back up now" on the Backup page.`,
    });
  }
  const stale = facts.lastGoodAt !== null && facts.now - facts.lastGoodAt > BACKUP_STALE_MS;
  if (settings.backupEveryHours > 0 && stale && facts.lastGoodAt !== null) {
    out.push({
      code: 'backup-stale',
      severity: 'warning',
      message: `The last good backup is ${ago(facts.now - facts.lastGoodAt)} old.`,
      hint: 'Open the Backup page to see why, or use "Back up now".',
    });
  } else if (settings.backupEveryHours === 0 && (facts.lastGoodAt === null || stale)) {
    out.push({
      code: 'backup-off',
      severity: 'warning',
      message:
        facts.lastGoodAt === null
          ? 'Scheduled backups are off and there is no backup yet.'
          : `Scheduled backups are off and the last backup is ${ago(facts.now - facts.lastGoodAt)} old.`,
      hint: 'Turn scheduled backups on in the Backup page, ideally into a folder on another disk.',
    });
  }
  return out;
}
