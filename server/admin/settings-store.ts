import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, plainFsError } from '../fs/private-path.js';
import type { AdminSettings } from './api.js';
import { coerceSettings } from './settings.js';

export { DEFAULT_SETTINGS, configToSettings, mergeHeadlessSettings, settingsToConfig } from './settings.js';

/** Where the owner's settings live: a JSON file headless, electron-store in the desktop app. */
export interface SettingsStore {
  load(): AdminSettings;
  save(settings: AdminSettings): void;
}

const FILE_MODE = 0o600;

/**
 * Writes `text` so that a reader sees the old file or the new one, never half of each: a
 * private temp file in the same directory, flushed, then renamed over the target.
 */
export function writeFileAtomic(file: string, text: string): void {
  const dir = path.dirname(file);
  // Created 0700 if missing; an existing directory is checked, never chmodded.
  ensurePrivateDir(dir);
  const temp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`,
  );
  let fd: number;
  try {
    fd = fs.openSync(temp, 'wx', FILE_MODE);
  } catch (err) {
    throw plainFsError(err, dir);
  }
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw plainFsError(err, file);
  }
  fs.closeSync(fd);
  try {
    fs.chmodSync(temp, FILE_MODE);
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw plainFsError(err, file);
  }
}

/** `<dataDir>/settings.json`, mode 0600. A missing or unreadable file means defaults. */
export class JsonFileSettingsStore implements SettingsStore {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'settings.json');
  }

  exists(): boolean {
    return fs.existsSync(this.file);
  }

  load(): AdminSettings {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return coerceSettings(null);
    }
    try {
      return coerceSettings(JSON.parse(text));
    } catch {
      // A hand-edited file with a typo must not stop the server; defaults apply until saved.
      return coerceSettings(null);
    }
  }

  save(settings: AdminSettings): void {
    writeFileAtomic(this.file, JSON.stringify(settings, null, 2) + '\n');
  }
}

/** Keeps settings in memory only (tests, and a server started without a data directory). */
export class MemorySettingsStore implements SettingsStore {
  constructor(private settings: AdminSettings) {}

  load(): AdminSettings {
    return { ...this.settings };
  }

  save(settings: AdminSettings): void {
    this.settings = { ...settings };
  }
}
