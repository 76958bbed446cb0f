import fs from 'node:fs';
import path from 'node:path';

/** The flag a login launch carries: start with the server running and the window hidden. */
export const HIDDEN_FLAG = '--hidden';

export interface LoginItemApp {
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void;
  readonly isPackaged: boolean;
  getAppPath(): string;
}

export interface LoginItemEnv {
  platform: NodeJS.Platform;
  execPath: string;
  env: NodeJS.ProcessEnv;
  homeDir: string;
  fs?: Pick<typeof fs, 'mkdirSync' | 'writeFileSync' | 'rmSync'>;
}

/** Quotes one Exec argument as the Desktop Entry spec asks (double quotes, four escapes). */
export function quoteExecArg(arg: string): string {
  return `"${arg.replace(/([\\"`$])/g, '\\$1')}"`;
}

/** The command a login should run: the AppImage itself when we are one, else our executable. */
export function launchCommand(
  app: Pick<LoginItemApp, 'isPackaged' | 'getAppPath'>,
  env: LoginItemEnv,
): string[] {
  const exe = env.env.APPIMAGE ?? env.execPath;
  // Unpackaged (`electron .`), the Electron binary needs the app folder as its argument.
  return app.isPackaged ? [exe, HIDDEN_FLAG] : [exe, app.getAppPath(), HIDDEN_FLAG];
}

export function desktopEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Foxden',
    'Comment=Household Firefox Sync server',
    `Exec=${command.map(quoteExecArg).join(' ')}`,
    'Icon=foxden',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export function autostartFile(env: Pick<LoginItemEnv, 'env' | 'homeDir'>): string {
  const configHome = env.env.XDG_CONFIG_HOME || path.join(env.homeDir, '.config');
  return path.join(configHome, 'autostart', 'foxden.desktop');
}

/**
 * Applies "Open at login". macOS and Windows have a system API for it; Linux desktops read
 * ~/.config/autostart (Electron's API does nothing there), so we write or remove that file.
 */
export function applyOpenAtLogin(enabled: boolean, app: LoginItemApp, env: LoginItemEnv): void {
  if (env.platform === 'linux') {
    const files = env.fs ?? fs;
    const file = autostartFile(env);
    if (enabled) {
      files.mkdirSync(path.dirname(file), { recursive: true });
      files.writeFileSync(file, desktopEntry(launchCommand(app, env)), { mode: 0o644 });
    } else {
      files.rmSync(file, { force: true });
    }
    return;
  }
  app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
}
