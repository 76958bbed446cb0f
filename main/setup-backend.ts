import { ensurePrivateDir } from '../server/fs/private-path.js';
import type { DesktopBackend } from './desktop-backend.js';
import type { DesktopDeps } from './desktop-deps.js';
import type { ElectronSettingsStore } from './settings.js';

/** The settings store and the sync server, in a data folder as private as headless mode's. */
export async function setupBackend(
  deps: Pick<DesktopDeps, 'dataDir' | 'openSettingsStore' | 'createBackend'>,
  nativeBinding: string | undefined,
): Promise<{ store: ElectronSettingsStore; backend: DesktopBackend }> {
  ensurePrivateDir(deps.dataDir);
  const store = await deps.openSettingsStore(deps.dataDir);
  const backend = deps.createBackend({ dataDir: deps.dataDir, store, nativeBinding });
  return { store, backend };
}
