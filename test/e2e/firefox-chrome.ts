// Firefox's own privileged side, reached over WebDriver BiDi: with `--remote-allow-system-access`
// (FIREFOX_SYSTEM_ACCESS_ARGS) the browser window's chrome context (browser.xhtml) is listed by
// `browsingContext.getTree` with `moz:scope: "chrome"`, and `script.evaluate` there runs as the
// browser UI does: gSync, gBrowser, Weave, fxAccounts, SyncedTabs. The tests call exactly the
// functions Firefox's own menus call, and read the state its UI shows.
import type { Browser } from 'puppeteer-core';
import { until } from './firefox-harness.js';

/** Lets BiDi evaluate in chrome contexts (Firefox 138+); without it the chrome tree is empty. */
export const FIREFOX_SYSTEM_ACCESS_ARGS = ['--remote-allow-system-access'];

/** The part of puppeteer's BiDi connection used here: one raw BiDi command and its result. */
interface BidiSend {
  send(method: string, params: object): Promise<{ result: unknown }>;
}

interface EvaluateResult {
  type: 'success' | 'exception';
  result?: { type: string; value?: unknown };
  exceptionDetails?: { text?: string };
}

/** Chrome-context modules every expression may use (lazy: importing them is cheap once loaded). */
const PRELUDE = `
  const { Weave } = ChromeUtils.importESModule('resource://services-sync/main.sys.mjs');
  const { UIState } = ChromeUtils.importESModule('resource://services-sync/UIState.sys.mjs');
  const { SyncedTabs, SyncedTabsManagement } = ChromeUtils.importESModule('resource://services-sync/SyncedTabs.sys.mjs');
  const { getFxAccountsSingleton } = ChromeUtils.importESModule('resource://gre/modules/FxAccounts.sys.mjs');
  const fxAccounts = getFxAccountsSingleton();
`;

/**
 * Installed once per Firefox: an appender on the FirefoxAccounts and Sync loggers that keeps
 * INFO and above in memory (the sync log files are written only when a sync ends, so lines
 * logged between syncs would otherwise be seen late), and counters of finished syncs.
 */
const INSTRUMENT = `
  if (!window.__foxden) {
    const { Log } = ChromeUtils.importESModule('resource://gre/modules/Log.sys.mjs');
    const state = { lines: [], finished: 0, failed: 0 };
    const formatter = new Log.BasicFormatter();
    for (const name of ['FirefoxAccounts', 'Sync']) {
      Log.repository.getLogger(name).addAppender({
        level: Log.Level.Info,
        append(message) {
          state.lines.push(formatter.format(message));
        },
      });
    }
    Services.obs.addObserver(() => state.finished++, 'weave:service:sync:finish');
    Services.obs.addObserver(() => state.failed++, 'weave:service:sync:error');
    window.__foxden = state;
  }
  return true;
`;

export interface SyncOutcome {
  /** Weave.Status.sync after the sync, e.g. "success.sync". */
  status: string;
  /** Weave.Status.login, e.g. "success.login" or "error.login.reason.account". */
  login: string;
}

export class FirefoxChrome {
  private constructor(
    private readonly connection: BidiSend,
    private readonly context: string,
    readonly name: string,
  ) {}

  /** The first browser window's chrome context, instrumented; `name` labels failure messages. */
  static async attach(browser: Browser, name: string): Promise<FirefoxChrome> {
    // puppeteer's BidiBrowser has `connection`; the public Browser type does not declare it.
    const connection = (browser as unknown as { connection: BidiSend }).connection;
    const context = await until(`${name}'s browser window in the chrome tree`, 20_000, async () => {
      const { result } = await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
      const contexts = (result as { contexts: { context: string; url: string }[] }).contexts;
      return contexts.find((c) => c.url === 'chrome://browser/content/browser.xhtml')?.context;
    });
    const chrome = new FirefoxChrome(connection, context, name);
    await chrome.eval(INSTRUMENT);
    return chrome;
  }

  /**
   * Runs `body` (statements ending in `return <JSON-able value>`, may `await`) in the browser
   * window with PRELUDE's modules in scope, and returns its value.
   */
  async eval<T>(body: string): Promise<T> {
    const expression = `(async () => { ${PRELUDE}\nconst value = await (async () => { ${body} })();\nreturn JSON.stringify(value === undefined ? null : value); })()`;
    const { result } = await this.connection.send('script.evaluate', {
      expression,
      target: { context: this.context },
      awaitPromise: true,
    });
    const answer = result as EvaluateResult;
    if (answer.type !== 'success' || answer.result?.type !== 'string')
      throw new Error(
        `${this.name}: chrome evaluation failed: ${answer.exceptionDetails?.text ?? JSON.stringify(answer)}`,
      );
    return JSON.parse(answer.result.value as string) as T;
  }

  /** FirefoxAccounts and Sync log lines (INFO and above) since the window opened. */
  logLines(): Promise<string[]> {
    return this.eval('return window.__foxden.lines');
  }

  /** UIState's status: "signed_in", "login_failed", "not_configured", "not_verified". */
  uiStatus(): Promise<string> {
    return this.eval('return UIState.get().status');
  }

  /** This Firefox's FxA device id (registered by Firefox after sign-in). */
  deviceId(): Promise<string> {
    return this.eval('return fxAccounts.device.getLocalId()');
  }

  /** How many syncs have ended (finished or failed) since the window opened. */
  syncsEnded(): Promise<number> {
    return this.eval('return window.__foxden.finished + window.__foxden.failed');
  }

  /**
   * One whole sync that starts now (after any sync already running), as about:preferences'
   * "Sync now" button starts it (`Weave.Service.sync`, no commands poll); its outcome.
   */
  async sync(timeoutMs = 60_000): Promise<SyncOutcome> {
    await until(`${this.name} to finish the sync it was running`, timeoutMs, () =>
      this.eval<boolean | null>('return Weave.Service.locked ? null : true').then((v) => v ?? undefined),
    );
    return this.eval(`
      await Weave.Service.sync({ why: 'user' });
      return { status: Weave.Status.sync, login: Weave.Status.login };
    `);
  }

  /**
   * The toolbar's and app menu's "Sync now" (`gSync.doSync`): a commands poll and a sync
   * (research firefox-device-commands §2, P3). Resolves when that sync has ended.
   */
  async syncNowButton(timeoutMs = 60_000): Promise<void> {
    await until(`${this.name} to finish the sync it was running`, timeoutMs, () =>
      this.eval<boolean | null>('return Weave.Service.locked ? null : true').then((v) => v ?? undefined),
    );
    const before = await this.syncsEnded();
    await this.eval('gSync.doSync(); return true');
    await until(`${this.name}'s Sync now to end`, timeoutMs, async () =>
      (await this.syncsEnded()) > before ? true : undefined,
    );
  }

  /**
   * The account menu's "Send tab to device" (gSync.showSendToDeviceViewFromFxaMenu). With a
   * Send Tab target in the cached device list it forces a device-list fetch (research §3.1);
   * with none it only offers to connect another device. Returns whether it had no target.
   */
  openSendTabMenu(): Promise<boolean> {
    return this.eval(`
      const none = gSync.hasNoSendTabTargets;
      gSync.showSendToDeviceViewFromFxaMenu(PanelMultiView.getViewNode(document, 'PanelUI-fxa-menu-sendtab-button'));
      return none;
    `);
  }

  /** The URLs of the tabs open in this window. */
  openTabUrls(): Promise<string[]> {
    return this.eval('return gBrowser.tabs.map((t) => t.linkedBrowser.currentURI.spec)');
  }

  /** Opens `url` in a new background tab, as a person opening a link would. */
  openTab(url: string): Promise<boolean> {
    return this.eval(
      `gBrowser.addTab(${JSON.stringify(url)}, { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() }); return true`,
    );
  }
}
