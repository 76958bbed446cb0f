import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import {
  attachCloseBehaviour,
  CONTENT_SECURITY_POLICY,
  decideNavigation,
  lockNavigation,
  lockSession,
  mainWindowOptions,
  secureWebPreferences,
  WindowManager,
} from '../../main/window.js';
import { FakeEvent, FakeSession, FakeWebContents, FakeWindow } from './fake-electron.js';

const rendererDir = '/opt/foxden/dist/renderer/';
const rendererDirUrl = pathToFileURL(rendererDir).href;
const entryUrl = pathToFileURL(rendererDir + 'index.html').href;

describe('window security options', () => {
  it('isolated, sandboxed, no Node, web security on', () => {
    const prefs = secureWebPreferences('/opt/foxden/dist/main/preload.cjs');
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.nodeIntegrationInWorker, false);
    assert.equal(prefs.nodeIntegrationInSubFrames, false);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.allowRunningInsecureContent, false);
    assert.equal(prefs.webviewTag, false);
    assert.equal(prefs.preload, '/opt/foxden/dist/main/preload.cjs');
  });

  it('the window starts hidden (shown when ready) and carries those preferences', () => {
    const options = mainWindowOptions({ preloadPath: '/p.cjs', iconPath: '/icon.png' });
    assert.equal(options.show, false);
    assert.equal(options.icon, '/icon.png');
    assert.deepEqual(options.webPreferences, secureWebPreferences('/p.cjs'));
  });
});

describe('navigation decisions', () => {
  const cases: [string, 'stay' | 'external' | 'deny'][] = [
    [entryUrl, 'stay'],
    [entryUrl + '#/logs', 'stay'],
    ['https://support.mozilla.org/kb/sync', 'external'],
    ['http://192.168.1.20:8173/', 'external'],
    ['https://user:pass@example.org/', 'deny'],
    ['file:///etc/passwd', 'deny'],
    [pathToFileURL(rendererDir + 'other.html').href, 'deny'],
    ['javascript:alert(1)', 'deny'],
    ['data:text/html,hi', 'deny'],
    ['mailto:me@example.org', 'deny'],
    ['ms-settings:privacy', 'deny'],
    ['not a url', 'deny'],
  ];
  for (const [url, expected] of cases) {
    it(`${url} → ${expected}`, () =>
      assert.equal(decideNavigation(url, { appEntryUrl: entryUrl }), expected));
  }
});

describe('navigation locks on the window', () => {
  function locked() {
    const contents = new FakeWebContents();
    const opened: string[] = [];
    lockNavigation(contents, { appEntryUrl: entryUrl, openExternal: (url) => void opened.push(url) });
    return { contents, opened };
  }

  it('a link to a web page is cancelled and opened in the system browser, once', () => {
    const { contents, opened } = locked();
    // Electron fires both for a main-frame navigation.
    assert.equal(contents.navigate('will-navigate', 'https://example.org/'), true);
    assert.equal(contents.navigate('will-frame-navigate', 'https://example.org/'), true);
    assert.deepEqual(opened, ['https://example.org/']);
  });

  it('navigating to a local file or another scheme is cancelled and nothing opens', () => {
    const { contents, opened } = locked();
    assert.equal(contents.navigate('will-navigate', 'file:///etc/passwd'), true);
    assert.equal(contents.navigate('will-frame-navigate', 'javascript:alert(1)'), true);
    assert.equal(contents.navigate('will-frame-navigate', 'foxden-evil://x'), true);
    assert.deepEqual(opened, []);
  });

  it('reloading our own page is allowed', () => {
    const { contents } = locked();
    assert.equal(contents.navigate('will-navigate', entryUrl), false);
  });

  it('redirects away are cancelled without opening anything, even to http(s)', () => {
    const { contents, opened } = locked();
    assert.equal(contents.navigate('will-redirect', 'https://example.org/'), true);
    assert.deepEqual(opened, []);
  });

  it('window.open never creates a window; http(s) goes to the browser, the rest nowhere', () => {
    const { contents, opened } = locked();
    assert.ok(contents.openHandler);
    assert.deepEqual(contents.openHandler({ url: 'https://example.org/help' }), { action: 'deny' });
    assert.deepEqual(contents.openHandler({ url: 'file:///etc/passwd' }), { action: 'deny' });
    assert.deepEqual(contents.openHandler({ url: entryUrl }), { action: 'deny' });
    assert.deepEqual(opened, ['https://example.org/help']);
  });

  it('<webview> attachment is refused', () => {
    const { contents } = locked();
    const event = new FakeEvent();
    contents.emit('will-attach-webview', event);
    assert.equal(event.defaultPrevented, true);
  });
});

describe('session locks', () => {
  it('permission requests are denied, except clipboard writes from our own files', () => {
    const session = new FakeSession();
    lockSession(session, rendererDirUrl);
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'hid',
    ]) {
      assert.equal(session.requestPermission(permission, entryUrl), false, permission);
    }
    assert.equal(session.requestPermission('clipboard-sanitized-write', entryUrl), true);
    assert.equal(session.requestPermission('clipboard-sanitized-write', 'https://example.org/'), false);
    assert.equal(session.checkHandler?.({}, 'media', 'file://', { requestingUrl: entryUrl }), false);
  });

  it('adds the CSP header to our files only, replacing any policy they came with', () => {
    const session = new FakeSession();
    lockSession(session, rendererDirUrl);
    const headers = session.headersFor(rendererDirUrl + 'assets/index-abc.js', {
      'content-security-policy': ['default-src *'],
      'Content-Type': ['text/javascript'],
    });
    assert.deepEqual(headers?.['Content-Security-Policy'], [CONTENT_SECURITY_POLICY]);
    assert.equal(headers?.['content-security-policy'], undefined);
    assert.deepEqual(headers?.['Content-Type'], ['text/javascript']);
    assert.equal(session.headersFor(entryUrl)?.['Content-Security-Policy']?.[0], CONTENT_SECURITY_POLICY);
    assert.equal(session.headersFor('https://example.org/'), undefined);
    assert.equal(session.headersFor(pathToFileURL('/opt/foxden/dist/main/index.js').href), undefined);
  });

  it('the policy allows only our own scripts and nothing inline or remote', () => {
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|https?:/);
  });
});

describe('close to tray', () => {
  for (const [platform, hides] of [
    ['darwin', true],
    ['win32', true],
    ['linux', false],
  ] as const) {
    it(`${platform}: closing the window ${hides ? 'hides it' : 'really closes it'}`, () => {
      const win = new FakeWindow({});
      win.visible = true;
      attachCloseBehaviour(win, { platform, isQuitting: () => false });
      assert.equal(win.userClose(), !hides);
      assert.equal(win.visible, false);
    });
  }

  it('while quitting the window closes on every platform', () => {
    const win = new FakeWindow({});
    attachCloseBehaviour(win, { platform: 'darwin', isQuitting: () => true });
    assert.equal(win.userClose(), true);
  });
});

describe('window manager', () => {
  function manager(platform: NodeJS.Platform = 'darwin') {
    const windows: FakeWindow[] = [];
    const wm = new WindowManager({
      createWindow: (options) => {
        const win = new FakeWindow(options);
        windows.push(win);
        return win;
      },
      preloadPath: '/p.cjs',
      rendererIndex: rendererDir + 'index.html',
      appEntryUrl: entryUrl,
      platform,
      isQuitting: () => false,
      openExternal: () => undefined,
    });
    return { wm, windows };
  }

  it('creates one locked window, loads index.html and shows it when ready', () => {
    const { wm, windows } = manager();
    assert.equal(wm.contentsId(), null);
    wm.show();
    const win = windows[0];
    assert.ok(win);
    assert.equal(win.loaded, rendererDir + 'index.html');
    assert.ok(win.webContents.openHandler, 'window.open handler installed before load');
    assert.equal(win.visible, false);
    win.emit('ready-to-show');
    assert.equal(win.visible, true);
    assert.equal(wm.contentsId(), win.webContents.id);
  });

  it('showing again reuses, restores and focuses the same window', () => {
    const { wm, windows } = manager();
    wm.show();
    const win = windows[0]!;
    win.emit('ready-to-show');
    win.userClose(); // hidden to the tray on macOS
    win.minimized = true;
    wm.show();
    assert.equal(windows.length, 1);
    assert.equal(win.visible, true);
    assert.equal(win.minimized, false);
    assert.ok(win.focused >= 2);
  });

  it('after a real close (Linux) the next show creates a new window', () => {
    const { wm, windows } = manager('linux');
    wm.show();
    windows[0]!.userClose();
    assert.equal(wm.contentsId(), null);
    wm.show();
    assert.equal(windows.length, 2);
  });
});
