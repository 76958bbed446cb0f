import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { AdminService, type AdminServiceOptions } from './admin-service.js';
import { ServerController } from './server-controller.js';
import type { SettingsStore } from './settings-store.js';

export { AdminService } from './admin-service.js';
export {
  ServerController,
  isFailedRequest,
  type ControllerStatus,
  type ServerState,
} from './server-controller.js';
export { JsonFileSettingsStore, MemorySettingsStore, type SettingsStore } from './settings-store.js';
export { DEFAULT_SETTINGS, configToSettings, mergeHeadlessSettings, settingsToConfig } from './settings.js';
export { validateArgs, isAdminMethod } from './validate.js';
export { computeWarnings } from './warnings.js';
export { startAdminHttp, type AdminHttp } from './http-transport.js';

export interface CreateAdminOptions extends Omit<AdminServiceOptions, 'controller'> {
  store: SettingsStore;
  logger: Logger;
  baseConfig: Config;
}

/**
 * One controller and the service over it, the way both the desktop app and headless mode
 * want them: the saved settings decide the listener, the base Config everything else.
 */
export function createAdmin(options: CreateAdminOptions): {
  controller: ServerController;
  service: AdminService;
} {
  const controller = new ServerController({ config: options.baseConfig, logger: options.logger });
  const service = new AdminService({ ...options, controller });
  return { controller, service };
}
