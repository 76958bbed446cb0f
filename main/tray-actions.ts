import type { AdminApi } from '../server/admin/api.js';
import type { Notify } from './notifications.js';
import type { TrayAction } from './tray.js';

export interface TrayActionDeps {
  service: Pick<AdminApi, 'start' | 'stop' | 'status' | 'getSettings' | 'updateSettings' | 'backupNow'>;
  clipboard: { writeText(text: string): void };
  shell: { openPath(path: string): Promise<string>; showItemInFolder(path: string): void };
  showWindow(): void;
  quit(): void;
  notify: Notify;
}

function messageOf(err: unknown): string {
  if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return String(err);
}

/**
 * What each tray item does. Failures become a notification: a menu has nowhere else to
 * show them, and a silent failure would look like a dead menu item.
 */
export function createTrayActions(deps: TrayActionDeps): (action: TrayAction) => Promise<void> {
  const run: Record<TrayAction, () => Promise<void>> = {
    async start() {
      // A failed start is announced by the state watcher, with the reason.
      await deps.service.start();
    },
    async stop() {
      await deps.service.stop();
    },
    async 'copy-setup-url'() {
      const status = await deps.service.status();
      deps.clipboard.writeText(status.setupUrl);
    },
    async 'open-dashboard'() {
      deps.showWindow();
    },
    async 'toggle-signups'() {
      const settings = await deps.service.getSettings();
      await deps.service.updateSettings({ allowNewUsers: !settings.allowNewUsers });
    },
    async 'toggle-open-at-login'() {
      // The login item itself follows the saved setting (desktop.ts, onSaved).
      const settings = await deps.service.getSettings();
      await deps.service.updateSettings({ openAtLogin: !settings.openAtLogin });
    },
    async 'open-data-folder'() {
      const status = await deps.service.status();
      const error = await deps.shell.openPath(status.dataDir);
      if (error) throw new Error(error);
    },
    async backup() {
      // Into the scheduled backups' folder, counted as the last good backup and rotated with them.
      const result = await deps.service.backupNow();
      deps.notify({ title: 'Backup saved', body: result.path }, () =>
        deps.shell.showItemInFolder(result.path),
      );
    },
    async quit() {
      deps.quit();
    },
  };
  return async (action) => {
    try {
      await run[action]();
    } catch (err) {
      deps.notify({ title: 'Foxden', body: messageOf(err) }, deps.showWindow);
    }
  };
}
