import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs/write-atomic.js';
import type { AdminSettings } from './api.js';
import { coerceSettings } from './settings.js';

export { writeFileAtomic } from '../fs/write-atomic.js';
export { DEFAULT_SETTINGS, configToSettings, mergeHeadlessSettings, settingsToConfig } from './settings.js';

/** Where the owner's settings live: a JSON file headless, electron-store in the desktop app. */
export interface SettingsStore {
  load(): AdminSettings;
  save(settings: AdminSettings): void;
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
