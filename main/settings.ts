import fs from 'node:fs';
import path from 'node:path';
import type { AdminSettings } from '../server/admin/api.js';
import { coerceSettings, settingsJsonSchema } from '../server/admin/settings.js';
import type { SettingsStore } from '../server/admin/settings-store.js';

/**
 * JSON schema of the settings file (electron-store validates every write against it, and a
 * hand-edited file that breaks it is reset to defaults rather than crashing the app), generated
 * from the one settings schema (server/admin/settings-schema.ts).
 */
export const SETTINGS_SCHEMA = settingsJsonSchema();

/** The part of electron-store (Conf) this store uses; tests pass a plain object. */
export interface KeyValueStoreLike {
  readonly store: Record<string, unknown>;
  set(values: Record<string, unknown>): void;
}

/** The desktop app's SettingsStore: electron-store's file in the userData directory. */
export class ElectronSettingsStore implements SettingsStore {
  private readonly listeners = new Set<(settings: AdminSettings) => void>();

  constructor(private readonly store: KeyValueStoreLike) {}

  load(): AdminSettings {
    return coerceSettings(this.store.store);
  }

  save(settings: AdminSettings): void {
    const clean = coerceSettings(settings);
    this.store.set({ ...clean });
    for (const listener of this.listeners) listener(clean);
  }

  /** Told after every save, whoever saved (GUI, tray): the tray and the login item follow. */
  onSaved(listener: (settings: AdminSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface ElectronStoreOptions {
  /** Directory of the file (userData); electron-store would otherwise ask Electron itself. */
  cwd: string;
}

/**
 * Creates the real electron-store. It is ESM and imports Electron, so it is only ever
 * loaded inside the Electron main process, never by the tests.
 */
export async function openElectronStore(options: ElectronStoreOptions): Promise<KeyValueStoreLike> {
  const { default: Store } = await import('electron-store');
  const open = () =>
    new Store<Record<string, unknown>>({
      name: 'settings',
      cwd: options.cwd,
      schema: SETTINGS_SCHEMA,
      clearInvalidConfig: true,
      // The file holds no secrets, but the data directory is private (0700) anyway.
      configFileMode: 0o600,
    });
  try {
    return open();
  } catch (err) {
    // Valid JSON that breaks the schema (a hand edit) throws; keep it for the owner, start clean.
    const file = path.join(options.cwd, 'settings.json');
    if (!fs.existsSync(file)) throw err;
    fs.renameSync(file, path.join(options.cwd, `settings.invalid-${Date.now()}.json`));
    return open();
  }
}
