/**
 * A small fake of the Electron main-process API: just what main/ uses, recording what was
 * done to it. The real objects are checked against the same interfaces by `tsc` (main/index.ts).
 */
import { EventEmitter } from 'node:events';
import type { AppLike, DesktopElectron } from '../../main/desktop-deps.js';
import type { InvokeEventLike, IpcMainLike } from '../../main/ipc.js';
import type { NotificationContent } from '../../main/notifications.js';
import type { MenuTemplateItem } from '../../main/tray.js';
import type { TrayLike } from '../../main/tray-presenter.js';
import type { BrowserWindowLike, SessionLike } from '../../main/window.js';

type Listener = (...args: never[]) => unknown;

export class FakeEvent {
  defaultPrevented = false;
  constructor(readonly url = '') {}
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export class FakeApp extends EventEmitter implements AppLike {
  isPackaged = false;
  lockAvailable = true;
  quitCalls = 0;
  readonly paths = new Map<string, string>();
  readonly loginItems: { openAtLogin: boolean; args?: string[] }[] = [];
  appUserModelId: string | null = null;
  openedAtLogin = false;
  private readyResolve: () => void = () => undefined;
  private readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  override on(event: string, listener: Listener): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
  requestSingleInstanceLock(): boolean {
    return this.lockAvailable;
  }
  /** Like Electron: before-quit, then will-quit (which a listener may cancel). */
  quit(): void {
    this.quitCalls++;
    this.emit('before-quit', new FakeEvent());
    const event = new FakeEvent();
    this.emit('will-quit', event);
    if (!event.defaultPrevented) this.emit('quit');
  }
  whenReady(): Promise<unknown> {
    return this.ready;
  }
  makeReady(): void {
    this.readyResolve();
  }
  setPath(name: string, value: string): void {
    this.paths.set(name, value);
  }
  setAppUserModelId(id: string): void {
    this.appUserModelId = id;
  }
  getLoginItemSettings(): { wasOpenedAtLogin?: boolean } {
    return { wasOpenedAtLogin: this.openedAtLogin };
  }
  getAppPath(): string {
    return '/opt/foxden-dev';
  }
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void {
    this.loginItems.push(settings);
  }
}

type Handler = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Calls a handler as the renderer's ipcRenderer.invoke would. */
  invoke(channel: string, event: InvokeEventLike, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler(event, ...args);
  }
}

let nextContentsId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  openHandler: ((details: { url: string }) => { action: 'deny' } | { action: 'allow' }) | null = null;
  override on(event: string, listener: Listener): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
  setWindowOpenHandler(
    handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' },
  ): void {
    this.openHandler = handler;
  }
  /** Fires a navigation event the way Chromium would; returns whether it was cancelled. */
  navigate(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect', url: string): boolean {
    const e = new FakeEvent(url);
    this.emit(event, e);
    return e.defaultPrevented;
  }
}

export class FakeWindow extends EventEmitter implements BrowserWindowLike {
  readonly webContents = new FakeWebContents();
  visible = false;
  focused = 0;
  destroyed = false;
  minimized = false;
  loaded: string | null = null;
  constructor(readonly options: unknown) {
    super();
  }
  override on(event: string, listener: Listener): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
  override once(event: string, listener: Listener): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }
  async loadFile(filePath: string): Promise<void> {
    this.loaded = filePath;
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {
    this.focused++;
  }
  restore(): void {
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** The user clicks the close button; returns whether the window really closed. */
  userClose(): boolean {
    const event = new FakeEvent();
    this.emit('close', event);
    if (event.defaultPrevented) return false;
    this.destroyed = true;
    this.visible = false;
    this.emit('closed');
    return true;
  }
}

type PermissionRequestHandler = Parameters<SessionLike['setPermissionRequestHandler']>[0];
type PermissionCheckHandler = Parameters<SessionLike['setPermissionCheckHandler']>[0];
type HeadersListener = Parameters<SessionLike['webRequest']['onHeadersReceived']>[0];

export class FakeSession implements SessionLike {
  requestHandler: PermissionRequestHandler | null = null;
  checkHandler: PermissionCheckHandler | null = null;
  headersListener: HeadersListener | null = null;
  setPermissionRequestHandler(handler: PermissionRequestHandler): void {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: PermissionCheckHandler): void {
    this.checkHandler = handler;
  }
  webRequest = {
    onHeadersReceived: (listener: HeadersListener) => {
      this.headersListener = listener;
    },
  };
  /** Asks the request handler as Chromium would; resolves with the decision. */
  requestPermission(permission: string, requestingUrl: string): boolean {
    let granted: boolean | null = null;
    this.requestHandler?.({}, permission, (g) => (granted = g), { requestingUrl });
    if (granted === null) throw new Error('permission handler never answered');
    return granted;
  }
  headersFor(
    url: string,
    responseHeaders?: Record<string, string[]>,
  ): Record<string, string | string[]> | undefined {
    let out: { responseHeaders?: Record<string, string | string[]> } | null = null;
    this.headersListener?.({ url, ...(responseHeaders ? { responseHeaders } : {}) }, (r) => (out = r));
    if (out === null) throw new Error('headers listener never answered');
    return (out as { responseHeaders?: Record<string, string | string[]> }).responseHeaders;
  }
}

export class FakeTray extends EventEmitter implements TrayLike {
  image: string;
  tooltip = '';
  menu: FakeMenu | null = null;
  destroyed = false;
  constructor(image: string) {
    super();
    this.image = image;
  }
  override on(event: string, listener: Listener): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
  setImage(image: string): void {
    this.image = image;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: unknown): void {
    this.menu = menu as FakeMenu;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export class FakeMenu {
  constructor(readonly items: MenuTemplateItem[]) {}
  item(id: string): MenuTemplateItem {
    const found = this.items.find((i) => i.id === id);
    if (!found) throw new Error(`no menu item ${id}`);
    return found;
  }
}

export class FakeNotifications {
  supported = true;
  readonly shown: (NotificationContent & { click?: () => void })[] = [];
  readonly api = (() => {
    const shown = this.shown;
    // The fake class's static method must read the owner's current `supported` flag.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return class FakeNotification {
      private click?: () => void;
      static isSupported(): boolean {
        return self.supported;
      }
      constructor(private readonly options: { title: string; body: string }) {}
      on(_event: 'click', listener: () => void): this {
        this.click = listener;
        return this;
      }
      show(): void {
        shown.push({ ...this.options, ...(this.click ? { click: this.click } : {}) });
      }
    };
  })();
}

export interface FakeElectron extends DesktopElectron {
  app: FakeApp;
  ipcMain: FakeIpcMain;
  fakeSession: FakeSession;
  windows: FakeWindow[];
  trays: FakeTray[];
  notifications: FakeNotifications;
  opened: string[];
  openedPaths: string[];
  clipboardText: string[];
}

export function createFakeElectron(): FakeElectron {
  const fakeSession = new FakeSession();
  const windows: FakeWindow[] = [];
  const trays: FakeTray[] = [];
  const notifications = new FakeNotifications();
  const opened: string[] = [];
  const openedPaths: string[] = [];
  const clipboardText: string[] = [];
  return {
    app: new FakeApp(),
    ipcMain: new FakeIpcMain(),
    defaultSession: () => fakeSession,
    fakeSession,
    shell: {
      openExternal: async (url) => {
        opened.push(url);
      },
      openPath: async (p) => {
        openedPaths.push(p);
        return '';
      },
      showItemInFolder: (p) => {
        openedPaths.push(p);
      },
    },
    clipboard: { writeText: (text) => void clipboardText.push(text) },
    Notification: notifications.api,
    createWindow: (options) => {
      const win = new FakeWindow(options);
      windows.push(win);
      return win;
    },
    tray: {
      createTray: (icon) => {
        const tray = new FakeTray(icon);
        trays.push(tray);
        return tray;
      },
      buildMenu: (template) => new FakeMenu(template),
    },
    windows,
    trays,
    notifications,
    opened,
    openedPaths,
    clipboardText,
  };
}
