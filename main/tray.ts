import type { AdminStatus, Warning } from '../server/admin/api.js';

/** Everything the tray shows; the menu is a pure function of it. */
export interface TrayState {
  status: Pick<AdminStatus, 'state' | 'listen' | 'lanAddresses' | 'setupUrl' | 'lastError' | 'dataDir'>;
  allowNewUsers: boolean;
  /** "Sign-ups closed automatically after 10 new accounts." while they stay closed. */
  signupsNote?: string | null;
  openAtLogin: boolean;
  warnings: readonly Warning[];
}

export type TrayAction =
  | 'start'
  | 'stop'
  | 'copy-setup-url'
  | 'open-dashboard'
  | 'toggle-signups'
  | 'toggle-open-at-login'
  | 'open-data-folder'
  | 'backup'
  | 'quit';

export type TrayItem =
  | { kind: 'label'; id: 'status' | 'warning' | 'signups-note'; label: string }
  | { kind: 'separator' }
  | { kind: 'action'; id: TrayAction; label: string; enabled: boolean }
  | { kind: 'checkbox'; id: TrayAction; label: string; enabled: boolean; checked: boolean };

export type TrayIconState = 'running' | 'stopped' | 'warning';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Where the server can be reached, as the owner would type it. A wildcard listener is shown
 * with the first LAN address, because "0.0.0.0" is not something a phone can connect to.
 */
export function reachableUrl(status: TrayState['status']): string | null {
  if (!status.listen) return null;
  const { host, port } = status.listen;
  const shown = WILDCARD_HOSTS.has(host) ? (status.lanAddresses[0] ?? '127.0.0.1') : host;
  return `http://${hostForUrl(shown)}:${port}`;
}

export function statusLine(state: TrayState): string {
  const { status } = state;
  switch (status.state) {
    case 'running':
      return `Running at ${reachableUrl(status) ?? 'an unknown address'}`;
    case 'starting':
      return 'Starting…';
    case 'stopping':
      return 'Stopping…';
    case 'failed':
      return `Could not start: ${status.lastError ?? 'unknown error'}`;
    case 'stopped':
      return 'Stopped';
  }
}

/** The warning the tray shows, most severe first; null when there is nothing to say. */
export function topWarning(warnings: readonly Warning[]): Warning | null {
  return warnings.find((w) => w.severity === 'error') ?? warnings[0] ?? null;
}

export function trayIconState(state: TrayState): TrayIconState {
  if (state.status.state === 'failed' || state.warnings.length > 0) return 'warning';
  return state.status.state === 'running' ? 'running' : 'stopped';
}

/** Menu labels are one line; long messages (a failed start) are cut with an ellipsis. */
export function truncate(text: string, max = 72): string {
  return text.length <= max ? text : text.slice(0, max - 1).trimEnd() + '…';
}

export function buildTrayMenu(state: TrayState): TrayItem[] {
  const phase = state.status.state;
  const busy = phase === 'starting' || phase === 'stopping';
  const warning = topWarning(state.warnings);
  const items: TrayItem[] = [{ kind: 'label', id: 'status', label: truncate(statusLine(state)) }];
  if (warning && phase !== 'failed') {
    const more = state.warnings.length > 1 ? ` (+${state.warnings.length - 1} more)` : '';
    items.push({ kind: 'label', id: 'warning', label: truncate(`⚠ ${warning.message}`) + more });
  }
  items.push(
    { kind: 'separator' },
    { kind: 'action', id: 'start', label: 'Start', enabled: phase === 'stopped' || phase === 'failed' },
    { kind: 'action', id: 'stop', label: 'Stop', enabled: phase === 'running' },
    { kind: 'separator' },
    {
      kind: 'action',
      id: 'copy-setup-url',
      label: 'Copy Firefox setup URL',
      enabled: state.status.setupUrl !== '',
    },
    { kind: 'action', id: 'open-dashboard', label: 'Open dashboard', enabled: true },
    { kind: 'separator' },
    {
      kind: 'checkbox',
      id: 'toggle-signups',
      label: 'Allow new sign-ups',
      enabled: true,
      checked: state.allowNewUsers,
    },
    ...(state.signupsNote && !state.allowNewUsers
      ? [{ kind: 'label' as const, id: 'signups-note' as const, label: truncate(state.signupsNote) }]
      : []),
    {
      kind: 'checkbox',
      id: 'toggle-open-at-login',
      label: 'Open at login',
      enabled: true,
      checked: state.openAtLogin,
    },
    { kind: 'separator' },
    {
      kind: 'action',
      id: 'open-data-folder',
      label: 'Open data folder',
      enabled: state.status.dataDir !== '',
    },
    // The online backup needs the database, which start/stop are busy reopening.
    { kind: 'action', id: 'backup', label: 'Back up now', enabled: !busy },
    { kind: 'separator' },
    { kind: 'action', id: 'quit', label: 'Quit Foxden', enabled: true },
  );
  return items;
}

export function trayTooltip(state: TrayState): string {
  return `Foxden — ${statusLine(state)}`;
}

/**
 * Icon file for a state. macOS gets template images (black + alpha, the system tints them
 * for light and dark menu bars; "Template" in the name is what tells Electron); the @2x
 * variant beside each file is picked up by nativeImage on its own.
 */
export function trayIconFile(icon: TrayIconState, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? `tray-${icon}Template.png` : `tray-${icon}.png`;
}

/** Electron's MenuItemConstructorOptions, the subset this menu uses. */
export interface MenuTemplateItem {
  type: 'normal' | 'separator' | 'checkbox';
  id?: string;
  label?: string;
  enabled?: boolean;
  checked?: boolean;
  click?: () => void;
}

export function toMenuTemplate(
  items: readonly TrayItem[],
  onAction: (action: TrayAction) => void,
): MenuTemplateItem[] {
  return items.map((item): MenuTemplateItem => {
    switch (item.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { type: 'normal', id: item.id, label: item.label, enabled: false };
      case 'action':
        return {
          type: 'normal',
          id: item.id,
          label: item.label,
          enabled: item.enabled,
          click: () => onAction(item.id),
        };
      case 'checkbox':
        return {
          type: 'checkbox',
          id: item.id,
          label: item.label,
          enabled: item.enabled,
          checked: item.checked,
          click: () => onAction(item.id),
        };
    }
  });
}
