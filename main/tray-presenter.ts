import path from 'node:path';
import {
  buildTrayMenu,
  toMenuTemplate,
  trayIconFile,
  trayIconState,
  trayTooltip,
  type MenuTemplateItem,
  type TrayAction,
  type TrayState,
} from './tray.js';

export interface TrayLike {
  setImage(image: string): void;
  setToolTip(text: string): void;
  setContextMenu(menu: unknown): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

export interface TrayElectron {
  createTray(iconPath: string): TrayLike;
  buildMenu(template: MenuTemplateItem[]): unknown;
}

export interface TrayPresenterOptions {
  electron: TrayElectron;
  iconsDir: string;
  platform: NodeJS.Platform;
  onAction(action: TrayAction): void;
  /** Left click (Windows, where the menu is on the right button). */
  onClick(): void;
}

/** Owns the Tray: renders menu, icon and tooltip from a TrayState, only when they change. */
export class TrayPresenter {
  private readonly tray: TrayLike;
  private lastIcon: string | null = null;
  private lastMenuKey: string | null = null;
  private destroyed = false;

  constructor(private readonly options: TrayPresenterOptions) {
    this.tray = options.electron.createTray(
      path.join(options.iconsDir, trayIconFile('stopped', options.platform)),
    );
    if (options.platform === 'win32') this.tray.on('click', options.onClick);
  }

  update(state: TrayState): void {
    // Quit destroys the tray before stopping the server, whose last state changes still arrive.
    if (this.destroyed) return;
    const icon = path.join(this.options.iconsDir, trayIconFile(trayIconState(state), this.options.platform));
    if (icon !== this.lastIcon) {
      this.tray.setImage(icon);
      this.lastIcon = icon;
    }
    const items = buildTrayMenu(state);
    const key = JSON.stringify(items);
    // Rebuilding an open menu closes it on some desktops: only rebuild on a real change.
    if (key !== this.lastMenuKey) {
      this.tray.setContextMenu(this.options.electron.buildMenu(toMenuTemplate(items, this.options.onAction)));
      this.tray.setToolTip(trayTooltip(state));
      this.lastMenuKey = key;
    }
  }

  destroy(): void {
    this.destroyed = true;
    this.tray.destroy();
  }
}
