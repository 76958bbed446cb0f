/**
 * The account page Firefox opens from "Manage account" (`/settings`, research
 * firefox-device-commands §4.4): it takes Firefox's session over the WebChannel, or signs in
 * on the page in any other browser, then lists devices, changes the password, signs out
 * everywhere and deletes the account. Changes made with Firefox's session are told to Firefox.
 */
import { stretchPassword, toHex } from '../../../crypto/index.js';
import { AuthApiError } from '../auth-api.js';
import { WebChannel } from '../webchannel.js';
import { AccountApi, type DeviceEntry, type SessionResponse } from './account-api.js';
import { changePassword } from './change-password.js';
import { renderDevices } from './devices-view.js';
import { CHANGE_STEP_TEXT, describeAccountError, sessionEnded } from './messages.js';
import { pageSession, type PageSession } from './page-session.js';

/** How long Firefox gets to answer fxa_status (it answers in milliseconds when it listens). */
const STATUS_TIMEOUT_MS = 4000;
/** Any other browser never answers: the sign-in form shows after this much silence. */
const FORM_AFTER_MS = 800;
/** Firefox's replies to change_password, logout and delete come after its own storage writes. */
const FIREFOX_TIMEOUT_MS = 30_000;

type Section = 'working' | 'signin' | 'manage' | 'ended';

interface FxaStatus {
  signedInUser?: { email?: string; uid?: string; sessionToken?: string } | null;
}

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

const input = (id: string) => $(id) as HTMLInputElement;

function show(section: Section): void {
  for (const id of ['working', 'signin', 'manage', 'ended']) $(id).hidden = id !== section;
  document.body.dataset.state = section;
}

function setError(id: string, text: string | null): void {
  const el = $(id);
  el.textContent = text ?? '';
  el.hidden = text === null;
}

function announce(text: string): void {
  $('result').textContent = text;
}

/** Disables a form (or button) while its call runs; returns the function that re-enables it. */
function busy(control: HTMLFormElement | HTMLButtonElement): () => void {
  const buttons = control instanceof HTMLFormElement ? [...control.querySelectorAll('button')] : [control];
  for (const b of buttons) b.disabled = true;
  control.setAttribute('aria-busy', 'true');
  return () => {
    for (const b of buttons) b.disabled = false;
    control.removeAttribute('aria-busy');
  };
}

class AccountPage {
  private session: PageSession | null = null;

  constructor(
    private readonly api: AccountApi,
    private readonly channel: WebChannel,
  ) {}

  /** The end of this page's session: a plain line, focus on it, nothing left to click. */
  private ended(title: string, text: string): void {
    this.session = null;
    $('ended-title').textContent = title;
    $('ended-text').textContent = text;
    show('ended');
    $('ended-title').focus();
  }

  /** Any call that finds the session gone ends the page the same way. */
  private failed(errorId: string, err: unknown): void {
    if (sessionEnded(err)) {
      this.ended('Signed out', describeAccountError(err));
      return;
    }
    setError(errorId, describeAccountError(err));
  }

  /** Tells Firefox, when the page acts with its session; Firefox's refusal is reported, not thrown. */
  private async tellFirefox(command: string, data: unknown): Promise<string | null> {
    if (!this.session?.fromFirefox) return null;
    try {
      await this.channel.request(command, data, FIREFOX_TIMEOUT_MS);
      return null;
    } catch (err) {
      return describeAccountError(err);
    }
  }

  showSignIn(note: string | null): void {
    if (this.session) return;
    const el = $('signin-note');
    el.textContent = note ?? '';
    el.hidden = note === null;
    // Already showing (Firefox answered late, or not at all): never move focus from what is typed.
    if (document.body.dataset.state === 'signin') return;
    show('signin');
    const email = input('signin-email');
    (email.value ? input('signin-password') : email).focus();
  }

  async useFirefox(status: FxaStatus | null): Promise<void> {
    if (this.session) return;
    const user = status?.signedInUser;
    if (!user?.uid || !user.sessionToken) {
      if (!user && document.body.dataset.state === 'signin') return;
      this.showSignIn(
        user
          ? 'This Firefox needs its password again (Settings → Sync). You can also sign in here to manage the account.'
          : null,
      );
      return;
    }
    const candidate = pageSession(user.uid, user.email ?? '', user.sessionToken, true);
    try {
      const { email } = await this.api.emailStatus(candidate.credentials);
      if (this.session) return;
      this.session = { ...candidate, email };
      await this.showManage();
    } catch (err) {
      this.showSignIn(
        sessionEnded(err)
          ? 'This Firefox’s sign-in to Foxden has ended (signed out elsewhere, or the password changed). Sign in below to manage the account, and in Settings → Sync to sync again.'
          : describeAccountError(err),
      );
    }
  }

  async signIn(email: string, password: string): Promise<void> {
    let stretched = stretchPassword(email, password);
    let account;
    try {
      account = await this.api.signInPage(email, toHex(stretched.authPW));
    } catch (err) {
      // A directory person (issue 14): only a bind with the directory password signs them in.
      if (err instanceof AuthApiError && err.details.directorySignIn === true) {
        account = await this.api.signInPageDirectory(email, toHex(stretched.authPW), password);
        return this.signedIn(account, email);
      }
      // errno 120: stored with another letter case, which is the stretch's salt (§4.0).
      if (!(err instanceof AuthApiError) || err.errno !== 120 || !err.canonicalEmail) throw err;
      stretched = stretchPassword(err.canonicalEmail, password);
      account = await this.api.signInPage(err.canonicalEmail, toHex(stretched.authPW));
    }
    await this.signedIn(account, email);
  }

  private async signedIn(account: SessionResponse, email: string): Promise<void> {
    const candidate = pageSession(account.uid, email, account.sessionToken, false);
    const { email: stored } = await this.api.emailStatus(candidate.credentials);
    this.session = { ...candidate, email: stored };
    await this.showManage();
  }

  private async showManage(): Promise<void> {
    const session = this.session!;
    $('manage-email').textContent = session.email;
    $('manage-firefox').hidden = !session.fromFirefox;
    $('page-signout').hidden = session.fromFirefox;
    announce('');
    show('manage');
    $('devices-title').focus();
    await this.refreshDevices();
  }

  async refreshDevices(): Promise<void> {
    const session = this.session;
    if (!session) return;
    let devices: DeviceEntry[];
    try {
      devices = await this.api.devices(session.credentials);
    } catch (err) {
      this.failed('devices-error', err);
      return;
    }
    setError('devices-error', null);
    // A page signed in on its own is no device: the server's entry for its session is not one.
    const shown = session.fromFirefox ? devices : devices.filter((d) => !d.isCurrentDevice);
    renderDevices($('device-list') as HTMLUListElement, shown, (device, done) => {
      this.removeDevice(device).then(done, () => done(false));
    });
    $('devices-empty').hidden = shown.length > 0;
  }

  private async removeDevice(device: DeviceEntry): Promise<boolean> {
    const session = this.session;
    if (!session) return false;
    setError('devices-error', null);
    try {
      if (device.isCurrentDevice) {
        // This Firefox: its session ends with its device (or alone, before it registered one).
        await this.api.destroyDevice(session.credentials, device.id).catch((err: unknown) => {
          if (err instanceof AuthApiError && err.errno === 123)
            return this.api.destroySession(session.credentials);
          throw err;
        });
        const refused = await this.tellFirefox('fxaccounts:logout', { uid: session.uid });
        this.ended(
          'This Firefox is signed out',
          refused ??
            'It keeps its bookmarks, passwords and the rest. To sync again, sign in in Settings → Sync.',
        );
        return true;
      }
      await this.api.destroyDevice(session.credentials, device.id);
      announce(
        `Removed ${device.name}. It is signed out and asks for the password the next time it talks to Foxden.`,
      );
    } catch (err) {
      this.failed('devices-error', err);
      if (this.session && err instanceof AuthApiError && err.errno === 123) await this.refreshDevices();
      return false;
    }
    await this.refreshDevices();
    return true;
  }

  async changePassword(form: HTMLFormElement): Promise<void> {
    const session = this.session;
    if (!session) return;
    const oldPassword = input('old-password').value;
    const newPassword = input('new-password').value;
    const confirm = input('new-password-confirm').value;
    const problem = !oldPassword
      ? 'Enter your current password.'
      : newPassword.length < 8
        ? 'The new password needs at least 8 characters.'
        : newPassword !== confirm
          ? 'The two new passwords differ. Type the same password twice.'
          : newPassword === oldPassword
            ? 'The new password is the same as the current one.'
            : null;
    setError('password-error', problem);
    if (problem) return;
    const done = busy(form);
    const progress = $('password-progress');
    try {
      const next = await changePassword(this.api, session, oldPassword, newPassword, (step) => {
        progress.textContent = CHANGE_STEP_TEXT[step];
      });
      this.session = pageSession(next.uid, session.email, next.sessionToken, session.fromFirefox);
      for (const id of ['old-password', 'new-password', 'new-password-confirm']) input(id).value = '';
      const refused = await this.tellFirefox('fxaccounts:change_password', {
        email: session.email,
        uid: next.uid,
        sessionToken: next.sessionToken,
        verified: true,
      });
      announce(
        refused
          ? `The password changed, but Firefox did not take its new sign-in (${refused}). Sign in again in Settings → Sync.`
          : `Password changed. ${session.fromFirefox ? 'This Firefox stays signed in; o' : 'O'}ther devices ask for the new password the next time they talk to Foxden. Your synced data is unchanged.`,
      );
      await this.refreshDevices();
    } catch (err) {
      this.failed('password-error', err);
    } finally {
      progress.textContent = '';
      done();
    }
  }

  async signOutEverywhere(button: HTMLButtonElement): Promise<void> {
    const session = this.session;
    if (!session) return;
    setError('everywhere-error', null);
    const done = busy(button);
    try {
      await this.api.signOutEverywhere(session.credentials);
    } catch (err) {
      done();
      this.failed('everywhere-error', err);
      return;
    }
    const refused = await this.tellFirefox('fxaccounts:logout', { uid: session.uid });
    this.ended(
      'Signed out everywhere',
      `Every Firefox signed in to ${session.email} asks for the password again the next time it talks to Foxden. Nothing was deleted.` +
        (session.fromFirefox
          ? ` ${refused ?? 'This Firefox is signed out now; sign in again in Settings → Sync.'}`
          : ''),
    );
  }

  async deleteAccount(form: HTMLFormElement): Promise<void> {
    const session = this.session;
    if (!session) return;
    const password = input('delete-password').value;
    setError('delete-error', password ? null : 'Enter the password to confirm.');
    if (!password) return;
    const done = busy(form);
    try {
      await this.api.destroyAccount(
        session.credentials,
        session.email,
        toHex(stretchPassword(session.email, password).authPW),
      );
    } catch (err) {
      done();
      this.failed('delete-error', err);
      return;
    }
    input('delete-password').value = '';
    const refused = await this.tellFirefox('fxaccounts:delete', { uid: session.uid });
    this.ended(
      'Account deleted',
      `${session.email} and everything it synced to this Foxden server are gone. Other computers are signed out the next time they talk to Foxden; each Firefox keeps what it has locally.` +
        (refused ? ` ${refused}` : ''),
    );
  }

  /** A session the page signed in itself ends with the tab: it is no device and nobody's sign-in. */
  closing(): void {
    const session = this.session;
    if (!session || session.fromFirefox) return;
    this.session = null;
    this.api.destroySession(session.credentials, true).catch(() => {
      // The tab is going away; a session left behind ends with the next "sign out everywhere".
    });
  }

  async signOutPage(button: HTMLButtonElement): Promise<void> {
    const session = this.session;
    if (!session) return;
    const done = busy(button);
    try {
      await this.api.destroySession(session.credentials);
    } catch (err) {
      done();
      if (!sessionEnded(err)) {
        announce(describeAccountError(err));
        return;
      }
    }
    this.ended('Signed out of this page', 'Your devices stay signed in. Reload the page to sign in again.');
  }
}

function wire(page: AccountPage): void {
  const signInForm = $('signin-form') as HTMLFormElement;
  signInForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const email = input('signin-email').value.trim();
    const password = input('signin-password').value;
    if (!/^[^\s@]+@[^\s@]+$/.test(email))
      return setError('signin-error', 'Enter the e-mail address of your account.');
    if (!password) return setError('signin-error', 'Enter your password.');
    setError('signin-error', null);
    const done = busy(signInForm);
    $('signin-progress').textContent = 'Checking with the Foxden server…';
    page
      .signIn(email, password)
      .then(() => {
        input('signin-password').value = '';
      })
      .catch((err: unknown) => setError('signin-error', describeAccountError(err)))
      .finally(() => {
        $('signin-progress').textContent = '';
        done();
      });
  });

  const passwordForm = $('password-form') as HTMLFormElement;
  passwordForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void page.changePassword(passwordForm);
  });

  const everywhere = $('everywhere') as HTMLButtonElement;
  const confirm = $('everywhere-confirm');
  everywhere.addEventListener('click', () => {
    everywhere.hidden = true;
    confirm.hidden = false;
    $('everywhere-yes').focus();
  });
  $('everywhere-no').addEventListener('click', () => {
    confirm.hidden = true;
    everywhere.hidden = false;
    everywhere.focus();
  });
  $('everywhere-yes').addEventListener('click', (event) => {
    void page.signOutEverywhere(event.currentTarget as HTMLButtonElement);
  });

  const deleteForm = $('delete-form') as HTMLFormElement;
  deleteForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void page.deleteAccount(deleteForm);
  });

  $('page-signout').addEventListener('click', (event) => {
    void page.signOutPage(event.currentTarget as HTMLButtonElement);
  });
}

async function start(): Promise<void> {
  const body = document.body;
  if (body.dataset.view !== 'account') return;
  const publicUrl = new URL(body.dataset.publicUrl ?? '/', location.href);
  const api = new AccountApi(`${location.origin}${publicUrl.pathname.replace(/\/$/, '')}/auth/v1`);
  const channel = new WebChannel();
  const page = new AccountPage(api, channel);
  wire(page);
  window.addEventListener('pagehide', () => page.closing());
  // Back from the back/forward cache the session is gone (closing() ended it): start afresh.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) location.reload();
  });
  // Firefox puts the signed-in user's e-mail on the URL (promiseManageURI).
  const email = new URLSearchParams(location.search).get('email');
  if (email) input('signin-email').value = email;

  const formTimer = setTimeout(() => page.showSignIn(null), FORM_AFTER_MS);
  let status: FxaStatus | null = null;
  try {
    status = await channel.request<FxaStatus>(
      'fxaccounts:fxa_status',
      { service: 'sync', isPairing: false, context: 'oauth_webchannel_v1' },
      STATUS_TIMEOUT_MS,
    );
  } catch {
    // Not Firefox, or a Firefox set up for another accounts server: the page signs in itself.
  }
  clearTimeout(formTimer);
  await page.useFirefox(status);
}

start().catch((err: unknown) => {
  const el = document.getElementById('signin-error');
  if (el) {
    el.textContent = `The page failed to start: ${err instanceof Error ? err.message : String(err)}`;
    el.hidden = false;
  }
});
