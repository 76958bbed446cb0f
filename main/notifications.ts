import type { AccountSummary, AdminStatus } from '../server/admin/api.js';

export interface NotificationContent {
  title: string;
  body: string;
}

/** Electron's Notification, as a constructor plus its static support check. */
export interface NotificationApi {
  isSupported(): boolean;
  new (options: { title: string; body: string; silent?: boolean }): {
    show(): void;
    on(event: 'click', listener: () => void): unknown;
  };
}

export type Notify = (content: NotificationContent, onClick?: () => void) => void;

/** Shows a system notification when the desktop has a notification service; silently nothing otherwise. */
export function createNotifier(Notification: NotificationApi): Notify {
  return (content, onClick) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title: content.title, body: content.body });
    if (onClick) notification.on('click', onClick);
    notification.show();
  };
}

/** Only the transition into 'failed' is news; a status refresh that is still failed is not. */
export function failureNotification(
  previous: AdminStatus['state'] | null,
  next: Pick<AdminStatus, 'state' | 'lastError'>,
): NotificationContent | null {
  if (next.state !== 'failed' || previous === 'failed') return null;
  return {
    title: 'Foxden could not start',
    body: next.lastError ?? 'The sync server did not start. Open the dashboard for details.',
  };
}

function accountKey(a: Pick<AccountSummary, 'kind' | 'id'>): string {
  return `${a.kind}:${a.id}`;
}

/** Accounts present now that were not in `known`. */
export function newAccounts(
  known: ReadonlySet<string>,
  current: readonly AccountSummary[],
): AccountSummary[] {
  return current.filter((a) => !known.has(accountKey(a)));
}

export function newAccountNotification(added: readonly AccountSummary[]): NotificationContent | null {
  const first = added[0];
  if (!first) return null;
  if (added.length === 1) {
    return { title: 'New Foxden account', body: `${first.label} signed up and can now sync.` };
  }
  return {
    title: 'New Foxden accounts',
    body: `${added.length} accounts were created, starting with ${first.label}.`,
  };
}

/**
 * Watches for accounts appearing (a Firefox that signed up, or one created from the CLI).
 * The first look only learns what exists, so starting the app never announces old accounts.
 */
export class AccountWatcher {
  private known: Set<string> | null = null;
  /** Looks run one after another, so two quick sign-ups are announced once each. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly listAccounts: () => Promise<AccountSummary[]>,
    private readonly notify: Notify,
    private readonly onClick?: () => void,
  ) {}

  /** Looks for new accounts and announces them. */
  check(): Promise<void> {
    return this.enqueue(true);
  }

  /** Learns the current accounts without announcing any (the owner just created one). */
  resync(): Promise<void> {
    return this.enqueue(false);
  }

  private enqueue(announce: boolean): Promise<void> {
    this.queue = this.queue.then(() => this.look(announce));
    return this.queue;
  }

  private async look(announce: boolean): Promise<void> {
    let accounts: AccountSummary[];
    try {
      accounts = await this.listAccounts();
    } catch {
      return; // The database is being reopened (restart, restore); the next look catches up.
    }
    const previous = this.known;
    this.known = new Set(accounts.map(accountKey));
    if (previous === null || !announce) return;
    const content = newAccountNotification(newAccounts(previous, accounts));
    if (content) this.notify(content, this.onClick);
  }
}

/** Notifies once per transition into 'failed'. */
export class FailureWatcher {
  private previous: AdminStatus['state'] | null = null;

  constructor(
    private readonly notify: Notify,
    private readonly onClick?: () => void,
  ) {}

  observe(status: Pick<AdminStatus, 'state' | 'lastError'>): void {
    const content = failureNotification(this.previous, status);
    this.previous = status.state;
    if (content) this.notify(content, this.onClick);
  }
}
