import type { DesktopBackend } from './desktop-backend.js';
import {
  AccountWatcher,
  createNotifier,
  FailureWatcher,
  type NotificationApi,
  type Notify,
} from './notifications.js';

/** Notifications for a server that stopped or failed and for accounts strangers created. */
export function setupNotifications(
  Notification: NotificationApi,
  backend: DesktopBackend,
  showWindow: () => void,
): { notify: Notify; accounts: AccountWatcher } {
  const notify: Notify = createNotifier(Notification);
  const failures = new FailureWatcher(notify, showWindow);
  const accounts = new AccountWatcher(() => backend.service.listAccounts(), notify, showWindow);
  backend.onStateChange((status) => failures.observe(status));
  backend.onAccountActivity(() => void accounts.check());
  return { notify, accounts };
}
