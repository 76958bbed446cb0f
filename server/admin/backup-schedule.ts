import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { replaceFileAtomic } from '../fs/write-atomic.js';
import type { Logger } from '../log.js';
import { AdminError, type BackupResult, type BackupStatus } from './api.js';
import { inspectBackupFile } from './backup.js';
import type { BackupSettings } from './settings.js';

/**
 * Scheduled backups (issue 8, finding 7): a dated, self-contained backup file in the folder
 * the owner chose, every `backupEveryHours`, keeping the newest `backupKeep`.
 *
 * "Due" is computed from the time of the last good backup, which is kept in
 * `<dataDir>/backup-state.json`, and checked every few minutes by an unref'd timer: a machine
 * that slept through the due time backs up at the first check after it wakes, and restarts
 * neither skip nor repeat a backup. Rotation deletes only files that match Foxden's own name
 * pattern AND are marked Foxden backups inside; nothing else in the folder is touched.
 */

const HOUR = 60 * 60 * 1000;
/** The first look after start: late enough not to slow start-up (or short test runs). */
export const FIRST_CHECK_MS = 5 * 60 * 1000;
export const CHECK_EVERY_MS = 10 * 60 * 1000;
/** After a failure, wait this long before trying again (a disconnected NAS fails every time). */
export const RETRY_AFTER_FAILURE_MS = HOUR;
/** The dashboard, Status and the tray warn when the last good backup is older than this. */
export const STALE_AFTER_MS = 48 * HOUR;
const STATE_FILE = 'backup-state.json';

/** `foxden-backup-2026-12-04-193000.db`: local date and time, so names sort by age. */
export const SCHEDULED_NAME = /^foxden-backup-\d{4}-\d{2}-\d{2}-\d{6}\.db$/;

export function scheduledBackupName(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `foxden-backup-${stamp}.db`;
}

/**
 * Where backups go until the owner chooses: inside the data folder, because it always exists
 * and is private; the dashboard says a second disk or a NAS share is safer, since a backup on
 * the same disk is lost with it.
 */
export function defaultBackupFolder(dataDir: string): string {
  return path.join(dataDir, 'backups');
}

export interface BackupState {
  lastGood: BackupResult | null;
  lastFailure: { at: number; message: string } | null;
}

function isResult(value: unknown): value is BackupResult {
  const v = value as BackupResult | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.path === 'string' &&
    typeof v.bytes === 'number' &&
    typeof v.createdAt === 'number'
  );
}

/** `<dataDir>/backup-state.json` (0600, replaced atomically); unreadable means "none yet". */
export class BackupStateFile {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, STATE_FILE);
  }

  load(): BackupState {
    try {
      const raw = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, unknown>;
      const failure = raw.lastFailure as { at?: unknown; message?: unknown } | null | undefined;
      return {
        lastGood: isResult(raw.lastGood) ? raw.lastGood : null,
        lastFailure:
          failure && typeof failure.at === 'number' && typeof failure.message === 'string'
            ? { at: failure.at, message: failure.message }
            : null,
      };
    } catch {
      return { lastGood: null, lastFailure: null };
    }
  }

  save(state: BackupState): void {
    replaceFileAtomic(this.file, JSON.stringify(state, null, 2) + '\n');
  }
}

export interface BackupScheduleOptions {
  dataDir: string;
  settings: () => BackupSettings;
  /** Writes one backup file; `replace` only ever replaces a Foxden backup. */
  write: (file: string, replace: boolean) => Promise<BackupResult>;
  logger: Logger;
  clock?: () => number;
  firstCheckMs?: number;
  checkEveryMs?: number;
  nativeBinding?: string;
}

/** What the schedule knows of BackupStatus; the admin service adds the secrets sentence. */
export type ScheduleView = Omit<BackupStatus, 'secrets'>;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Emits 'done' after every backup into the folder, good or failed (the tray re-reads its warnings). */
export class BackupSchedule extends EventEmitter<{ done: [] }> {
  private readonly state: BackupStateFile;
  private readonly clock: () => number;
  private first: NodeJS.Timeout | null = null;
  private every: NodeJS.Timeout | null = null;
  private running: Promise<BackupResult> | null = null;

  constructor(private readonly options: BackupScheduleOptions) {
    super();
    this.state = new BackupStateFile(options.dataDir);
    this.clock = options.clock ?? Date.now;
  }

  /** Starts the periodic check; the timers never keep the process alive. */
  start(): void {
    if (this.first || this.every) return;
    const tick = () => void this.check();
    this.first = setTimeout(tick, this.options.firstCheckMs ?? FIRST_CHECK_MS);
    this.first.unref();
    this.every = setInterval(tick, this.options.checkEveryMs ?? CHECK_EVERY_MS);
    this.every.unref();
  }

  stop(): void {
    if (this.first) clearTimeout(this.first);
    if (this.every) clearInterval(this.every);
    this.first = null;
    this.every = null;
  }

  folder(): { folder: string; chosen: boolean } {
    const chosen = this.options.settings().backupFolder;
    return chosen
      ? { folder: chosen, chosen: true }
      : { folder: defaultBackupFolder(this.options.dataDir), chosen: false };
  }

  view(): ScheduleView {
    const settings = this.options.settings();
    const { folder, chosen } = this.folder();
    const state = this.state.load();
    return {
      folder,
      folderChosen: chosen,
      everyHours: settings.backupEveryHours,
      keep: settings.backupKeep,
      lastGood: state.lastGood,
      lastFailure: this.currentFailure(state),
      nextDue: this.nextDue(state),
    };
  }

  /** A failure counts until a good backup comes after it. */
  private currentFailure(state: BackupState): BackupState['lastFailure'] {
    if (!state.lastFailure) return null;
    if (state.lastGood && state.lastGood.createdAt >= state.lastFailure.at) return null;
    return state.lastFailure;
  }

  private nextDue(state: BackupState): number | null {
    const { backupEveryHours } = this.options.settings();
    if (backupEveryHours <= 0) return null;
    const now = this.clock();
    const good = state.lastGood;
    let due: number;
    if (!good || path.resolve(path.dirname(good.path)) !== path.resolve(this.folder().folder)) {
      // Never backed up, or not into this folder yet (the owner just chose a new one).
      due = now;
    } else if (good.createdAt > now + HOUR) {
      // The clock went back (or was wrong when the last backup was made): do not wait for it.
      due = now;
    } else {
      due = good.createdAt + backupEveryHours * HOUR;
    }
    const failure = this.currentFailure(state);
    if (failure) due = Math.max(due, failure.at + Math.min(RETRY_AFTER_FAILURE_MS, backupEveryHours * HOUR));
    return due;
  }

  /** Runs a scheduled backup if one is due; never throws (a failure is recorded and logged). */
  async check(): Promise<boolean> {
    if (this.running) return false;
    const due = this.nextDue(this.state.load());
    if (due === null || due > this.clock()) return false;
    try {
      await this.runNow();
      return true;
    } catch {
      return false;
    }
  }

  /** A dated backup into the folder now, then rotation. One at a time. */
  runNow(): Promise<BackupResult> {
    if (this.running) return this.running;
    this.running = this.run().finally(() => {
      this.running = null;
      this.emit('done');
    });
    return this.running;
  }

  private async run(): Promise<BackupResult> {
    const { folder, chosen } = this.folder();
    const state = this.state.load();
    let result: BackupResult;
    try {
      this.prepareFolder(folder, chosen);
      const file = path.join(folder, scheduledBackupName(new Date(this.clock())));
      result = await this.options.write(file, true);
    } catch (err) {
      // The database being restored right now is not a failure of the backup folder.
      if (err instanceof AdminError && err.code === 'unavailable') throw err;
      const message = messageOf(err);
      this.saveState({ ...state, lastFailure: { at: this.clock(), message } });
      this.options.logger.error('error', 'Scheduled backup failed', { detail: message });
      throw err;
    }
    this.saveState({ ...state, lastGood: result });
    this.options.logger.info('lifecycle', 'Backup saved', { detail: result.path });
    try {
      const removed = this.rotate(folder);
      if (removed.length > 0)
        this.options.logger.info('lifecycle', 'Old backups removed', { detail: removed.join(', ') });
    } catch (err) {
      this.options.logger.warn('error', 'Old backups could not be removed', { detail: messageOf(err) });
    }
    return result;
  }

  private saveState(state: BackupState): void {
    try {
      this.state.save(state);
    } catch (err) {
      this.options.logger.warn('error', 'The backup state could not be saved', { detail: messageOf(err) });
    }
  }

  /**
   * The default folder is Foxden's own and is created (0700); a folder the owner chose must
   * exist: a missing one usually means a disk or share that is not mounted, and creating it
   * would put the backup on the wrong disk.
   */
  private prepareFolder(folder: string, chosen: boolean): void {
    const stat = fs.statSync(folder, { throwIfNoEntry: false });
    if (stat?.isDirectory()) return;
    if (stat) throw new AdminError('io', `The backup folder ${folder} is not a folder.`, 'backupFolder');
    if (chosen) {
      throw new AdminError(
        'io',
        `The backup folder ${folder} does not exist: is the disk or network share connected?`,
        'backupFolder',
      );
    }
    fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  }

  /**
   * Keeps the newest `backupKeep` scheduled backups. A file is only ever deleted when its name
   * is Foxden's pattern and its content is a marked Foxden backup; returns what was deleted.
   */
  rotate(folder: string): string[] {
    const keep = Math.max(1, this.options.settings().backupKeep);
    const ours = fs
      .readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isFile() && SCHEDULED_NAME.test(entry.name))
      .map((entry) => entry.name)
      .sort()
      .reverse()
      .map((name) => path.join(folder, name))
      .filter((file) => {
        const kind = inspectBackupFile(file, this.options.nativeBinding);
        return kind.kind === 'foxden' && kind.marked;
      });
    const removed: string[] = [];
    for (const file of ours.slice(keep)) {
      fs.rmSync(file, { force: true });
      removed.push(file);
    }
    return removed;
  }
}
