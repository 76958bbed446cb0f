import { isAppUrl, isExternalWebUrl, isInsideDir } from './app-url.js';

/**
 * The renderer is our own code loaded from disk, but it shows data that came over the
 * network (account names, log lines, URLs), so it gets no Node, a sandboxed preload and an
 * isolated world: an injected script could reach only the AdminApi the preload exposes.
 */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  } as const;
}

export interface WindowPaths {
  preloadPath: string;
  /** Window icon (Linux and Windows; macOS takes the bundle's). */
  iconPath?: string;
}

export function mainWindowOptions(paths: WindowPaths) {
  return {
    title: 'Foxden',
    width: 1040,
    height: 720,
    minWidth: 720,
    minHeight: 480,
    // Shown on 'ready-to-show' so the owner never sees a blank white frame.
    show: false,
    autoHideMenuBar: true,
    backgroundColor: '#1f1b18',
    ...(paths.iconPath ? { icon: paths.iconPath } : {}),
    webPreferences: secureWebPreferences(paths.preloadPath),
  };
}

/**
 * The policy for the app's own files: nothing but our scripts, styles and images; the page
 * talks to Foxden only through the preload, so no connect-src, and nothing may frame it.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface NavigationEventLike {
  preventDefault(): void;
  readonly url: string;
}

export interface WebContentsLike {
  on(event: 'will-navigate', listener: (event: NavigationEventLike) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: NavigationEventLike) => void): unknown;
  on(event: 'will-redirect', listener: (event: NavigationEventLike) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void;
}

export interface NavigationPolicy {
  appEntryUrl: string;
  openExternal(url: string): Promise<void> | void;
}

/** What a navigation or window.open request should lead to. Pure, so the tests can list cases. */
export function decideNavigation(
  url: string,
  policy: Pick<NavigationPolicy, 'appEntryUrl'>,
): 'stay' | 'external' | 'deny' {
  if (isAppUrl(url, policy.appEntryUrl)) return 'stay';
  if (isExternalWebUrl(url)) return 'external';
  return 'deny';
}

/**
 * The window never leaves our index.html: a link or redirect elsewhere is cancelled, http(s)
 * links open in the system browser, every other scheme (file:, javascript:, custom
 * protocol handlers) is dropped. No popups, no <webview>.
 */
export function lockNavigation(contents: WebContentsLike, policy: NavigationPolicy): void {
  const cancelUnlessOurs = (event: NavigationEventLike) => {
    if (decideNavigation(event.url, policy) !== 'stay') event.preventDefault();
  };
  // Main frame: a clicked web link goes to the system browser instead.
  contents.on('will-navigate', (event) => {
    const decision = decideNavigation(event.url, policy);
    if (decision === 'stay') return;
    event.preventDefault();
    if (decision === 'external') void policy.openExternal(event.url);
  });
  // Every frame (the main frame too, after will-navigate, so nothing is opened twice here).
  contents.on('will-frame-navigate', cancelUnlessOurs);
  // A redirect is never a click of the owner's: cancel it without opening anything.
  contents.on('will-redirect', cancelUnlessOurs);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (decideNavigation(url, policy) === 'external') void policy.openExternal(url);
    return { action: 'deny' };
  });
}

interface HeadersDetailsLike {
  readonly url: string;
  readonly responseHeaders?: Record<string, string[]>;
}

export interface SessionLike {
  setPermissionRequestHandler(
    handler: (
      contents: unknown,
      permission: string,
      callback: (granted: boolean) => void,
      details: { readonly requestingUrl?: string },
    ) => void,
  ): void;
  setPermissionCheckHandler(
    handler: (
      contents: unknown,
      permission: string,
      requestingOrigin: string,
      details: { readonly requestingUrl?: string },
    ) => boolean,
  ): void;
  webRequest: {
    onHeadersReceived(
      listener: (
        details: HeadersDetailsLike,
        callback: (response: { responseHeaders?: Record<string, string | string[]> }) => void,
      ) => void,
    ): void;
  };
}

/** Adds the CSP header to responses for our own files; leaves everything else untouched. */
export function withCsp(
  details: HeadersDetailsLike,
  rendererDirUrl: string,
): Record<string, string[]> | undefined {
  if (!isInsideDir(details.url, rendererDirUrl)) return undefined;
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
    // Ours replaces any policy that came with the response (file:// has none today).
    if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
  }
  headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  headers['X-Content-Type-Options'] = ['nosniff'];
  return headers;
}

/**
 * The one permission the dashboard uses: writing to the clipboard (its copy buttons), and
 * only from our own files. Camera, notifications, clipboard-read, geolocation, HID... are
 * refused, whoever asks.
 */
export function isPermissionAllowed(
  permission: string,
  requestingUrl: string | undefined,
  rendererDirUrl: string,
): boolean {
  return (
    permission === 'clipboard-sanitized-write' &&
    requestingUrl !== undefined &&
    isInsideDir(requestingUrl, rendererDirUrl)
  );
}

export function lockSession(session: SessionLike, rendererDirUrl: string): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionAllowed(permission, details.requestingUrl, rendererDirUrl)),
  );
  session.setPermissionCheckHandler((_contents, permission, _origin, details) =>
    isPermissionAllowed(permission, details.requestingUrl, rendererDirUrl),
  );
  session.webRequest.onHeadersReceived((details, callback) => {
    const responseHeaders = withCsp(details, rendererDirUrl);
    callback(responseHeaders ? { responseHeaders } : {});
  });
}

export interface ClosableWindowLike {
  on(event: 'close', listener: (event: { preventDefault(): void }) => void): unknown;
  hide(): void;
}

/**
 * Closing the window hides it to the tray, because the server keeps running there. On Linux
 * it quits instead: tray icons are unreliable there (no StatusNotifier host on some
 * desktops) and a hidden window could leave the owner no way back to the app.
 */
export function closeHidesToTray(platform: NodeJS.Platform): boolean {
  return platform !== 'linux';
}

export function attachCloseBehaviour(
  win: ClosableWindowLike,
  options: { platform: NodeJS.Platform; isQuitting(): boolean },
): void {
  win.on('close', (event) => {
    if (options.isQuitting() || !closeHidesToTray(options.platform)) return;
    event.preventDefault();
    win.hide();
  });
}

export interface BrowserWindowLike {
  readonly webContents: WebContentsLike & { readonly id: number };
  on(event: 'close', listener: (event: { preventDefault(): void }) => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  once(event: 'ready-to-show', listener: () => void): unknown;
  loadFile(filePath: string): Promise<void>;
  show(): void;
  hide(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
}

export interface WindowManagerOptions {
  createWindow(options: ReturnType<typeof mainWindowOptions>): BrowserWindowLike;
  preloadPath: string;
  iconPath?: string;
  rendererIndex: string;
  appEntryUrl: string;
  platform: NodeJS.Platform;
  isQuitting(): boolean;
  openExternal(url: string): Promise<void> | void;
  onLoadFailed?(error: unknown): void;
}

/** The one dashboard window: created on first need, then shown and focused again and again. */
export class WindowManager {
  private win: BrowserWindowLike | null = null;

  constructor(private readonly options: WindowManagerOptions) {}

  /** webContents id of the live window (the IPC sender check compares against it). */
  contentsId(): number | null {
    return this.win && !this.win.isDestroyed() ? this.win.webContents.id : null;
  }

  show(): void {
    const win = this.win;
    if (!win || win.isDestroyed()) {
      this.create();
      return;
    }
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  private create(): BrowserWindowLike {
    const o = this.options;
    const win = o.createWindow(
      mainWindowOptions({ preloadPath: o.preloadPath, ...(o.iconPath ? { iconPath: o.iconPath } : {}) }),
    );
    // Locks go on before the first load, so not even the first page can navigate away.
    lockNavigation(win.webContents, { appEntryUrl: o.appEntryUrl, openExternal: o.openExternal });
    attachCloseBehaviour(win, { platform: o.platform, isQuitting: o.isQuitting });
    win.once('ready-to-show', () => {
      win.show();
      win.focus();
    });
    win.on('closed', () => {
      if (this.win === win) this.win = null;
    });
    win.loadFile(o.rendererIndex).catch((err: unknown) => o.onLoadFailed?.(err));
    this.win = win;
    return win;
  }
}
