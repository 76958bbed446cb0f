import { DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { ElectronSettingsStore, type KeyValueStoreLike } from '../../main/settings.js';

/** electron-store's surface, in memory. */
function memoryKv(initial: Record<string, unknown>): KeyValueStoreLike {
  let store = { ...initial };
  return {
    get store() {
      return store;
    },
    set(values) {
      store = { ...store, ...values };
    },
  };
}

/** Default settings on loopback `port` (0: any free port), kept in memory. */
export function memorySettingsStore(port: number): ElectronSettingsStore {
  return new ElectronSettingsStore(
    memoryKv({ ...DEFAULT_SETTINGS, port, publicUrl: `http://127.0.0.1:${port}/` }),
  );
}
