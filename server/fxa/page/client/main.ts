/**
 * The sign-in page: checks that Firefox will talk to it (same origin as the configured public
 * URL, a WebChannel answer within a few seconds), then runs connect.ts on submit.
 */
import './signin.css';
// One bundle for both pages (a second entry would move the shared code out of signin.js): the
// account page's module starts only on the account view, as this one only on the sign-in view.
import './account/main.js';
import { AuthApi, AuthApiError } from './auth-api.js';
import { connectFirefox, type ConnectRequest, type Mode } from './connect.js';
import { describeError, STEP_TEXT } from './messages.js';
import { oauthParamsFromUrl } from './oauth-params.js';
import { NoChannelError, WebChannel } from './webchannel.js';

/** How long Firefox gets to answer fxa_status before the page assumes it is not listening. */
const STATUS_TIMEOUT_MS = 4000;
/** What Firefox syncs when it does not list its engines (the list PROTO saw, §3.3). */
const DEFAULT_ENGINES = [
  'addons',
  'bookmarks',
  'history',
  'passwords',
  'prefs',
  'tabs',
  'addresses',
  'creditcards',
];

interface FxaStatus {
  signedInUser?: { email?: string; uid?: string } | null;
  capabilities?: { engines?: unknown };
}

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

function show(section: 'working' | 'account' | 'done' | 'setup'): void {
  for (const id of ['working', 'account', 'done', 'setup']) $(id).hidden = id !== section;
  document.body.dataset.state = section;
}

function showSetup(reason: string): void {
  $('setup-reason').textContent = reason;
  show('setup');
}

function setMode(mode: Mode): void {
  document.body.dataset.mode = mode;
  for (const tab of document.querySelectorAll<HTMLButtonElement>('#tabs [data-mode]')) {
    tab.setAttribute('aria-selected', String(tab.dataset.mode === mode));
  }
  $('confirm-row').hidden = mode !== 'signup';
  ($('password') as HTMLInputElement).autocomplete = mode === 'signup' ? 'new-password' : 'current-password';
  $('submit').textContent = mode === 'signup' ? 'Create account and sync' : 'Sign in and sync';
  $('error').hidden = true;
}

function showError(text: string): void {
  const el = $('error');
  el.textContent = text;
  el.hidden = false;
}

function validate(mode: Mode, email: string, password: string, confirm: string): string | null {
  // The directory's names need not be addresses, and its password rules are its own.
  if (document.body.dataset.directory === 'true') {
    if (!email) return 'Enter your name or e-mail address in the household directory.';
    if (!password) return 'Enter your password.';
    return null;
  }
  if (!/^[^\s@]+@[^\s@]+$/.test(email))
    return 'Enter an e-mail address, like name@example.org. It does not need to receive mail.';
  if (password.length < 8) return 'The password needs at least 8 characters.';
  if (mode === 'signup' && password !== confirm)
    return 'The two passwords differ. Type the same password twice.';
  return null;
}

async function start(): Promise<void> {
  const body = document.body;
  if (body.dataset.view !== 'signin') return;
  const publicUrl = body.dataset.publicUrl ?? '';
  const allowNewUsers = body.dataset.allowNewUsers === 'true';
  let expectedOrigin = '';
  try {
    expectedOrigin = new URL(publicUrl).origin;
  } catch {
    // An unparsable public URL is the server's problem; the origin check below reports it.
  }
  if (location.origin !== expectedOrigin) {
    showSetup(
      `This page was opened at ${location.origin}, but this Foxden server's public URL is ${publicUrl}. ` +
        'Firefox only talks to the sign-in page at exactly that address: open it there, with Firefox set up as below.',
    );
    return;
  }

  const channel = new WebChannel();
  let status: FxaStatus | null = null;
  try {
    status = await channel.request<FxaStatus>(
      'fxaccounts:fxa_status',
      { service: 'sync', isPairing: false, context: 'oauth_webchannel_v1' },
      STATUS_TIMEOUT_MS,
    );
  } catch (err) {
    showSetup(
      err instanceof NoChannelError && err.reason === 'no-such-channel'
        ? 'Firefox is using a different accounts server than this one.'
        : 'Firefox did not answer this page. Open it in Firefox, set up as below.',
    );
    return;
  }

  const engines = Array.isArray(status?.capabilities?.engines)
    ? (status.capabilities.engines as unknown[]).filter((e): e is string => typeof e === 'string')
    : DEFAULT_ENGINES;
  const signedIn = status?.signedInUser;
  if (signedIn?.email) {
    const note = $('signed-in-note');
    note.textContent = `This Firefox is signed in as ${signedIn.email}. Signing in again replaces that account.`;
    note.hidden = false;
    ($('email') as HTMLInputElement).value = signedIn.email;
  }

  const pageRoot = new URL(publicUrl);
  const api = new AuthApi(`${location.origin}${pageRoot.pathname.replace(/\/$/, '')}/auth/v1`);
  const urlParams = oauthParamsFromUrl(location.search);
  let mode: Mode = 'signin';
  setMode(mode);
  for (const tab of document.querySelectorAll<HTMLButtonElement>('#tabs [data-mode]')) {
    tab.addEventListener('click', () => {
      mode = tab.dataset.mode === 'signup' && allowNewUsers ? 'signup' : 'signin';
      setMode(mode);
    });
  }
  show('account');
  ($('email') as HTMLInputElement).focus();

  const form = $('account-form') as HTMLFormElement;
  const submit = $('submit') as HTMLButtonElement;
  let busy = false;
  const directory = directoryState(form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    const email = ($('email') as HTMLInputElement).value.trim();
    const password = ($('password') as HTMLInputElement).value;
    const confirm = ($('password-confirm') as HTMLInputElement).value;
    const problem = validate(mode, email, password, confirm);
    if (problem) {
      showError(problem);
      return;
    }
    const previous = directory?.request();
    if (previous === 'missing') {
      showError('Type your previous password, or choose to start over with new keys.');
      return;
    }
    $('error').hidden = true;
    busy = true;
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    const progress = $('progress');
    const request: ConnectRequest = {
      mode,
      email,
      password,
      urlParams,
      offeredEngines: engines,
      declinedEngines: [],
    };
    if (previous) request.directory = previous;
    connectFirefox(api, channel, request, (step) => {
      progress.textContent = STEP_TEXT[step];
    })
      .then((result) => {
        directory?.done();
        ($('password') as HTMLInputElement).value = '';
        ($('password-confirm') as HTMLInputElement).value = '';
        $('done-email').textContent = result.email;
        show('done');
      })
      .catch((err: unknown) => {
        progress.textContent = '';
        showError(directory?.describe(err) ?? describeError(err, mode, email));
      })
      .finally(() => {
        busy = false;
        submit.disabled = false;
        form.removeAttribute('aria-busy');
      });
  });
}

/**
 * The directory's sign-in (issue 14 item 3): after the server says the directory password
 * changed, the previous-password row shows once; its "start over" asks before a reset.
 * Null when the server keeps its own accounts.
 */
function directoryState(form: HTMLFormElement) {
  if (document.body.dataset.directory !== 'true') return null;
  const row = $('previous-row');
  const previousInput = $('previous-password') as HTMLInputElement;
  const confirm = $('reset-confirm');
  let reset = false;
  $('reset-start').addEventListener('click', () => {
    confirm.hidden = false;
    $('reset-yes').focus();
  });
  $('reset-no').addEventListener('click', () => {
    confirm.hidden = true;
    previousInput.focus();
  });
  $('reset-yes').addEventListener('click', () => {
    reset = true;
    confirm.hidden = true;
    form.requestSubmit();
  });
  return {
    /** What this submit adds; 'missing' when the previous password was asked for and is empty. */
    request(): NonNullable<ConnectRequest['directory']> | 'missing' {
      if (reset) return { previousPassword: null, reset: true };
      if (row.hidden) return { previousPassword: null, reset: false };
      return previousInput.value ? { previousPassword: previousInput.value, reset: false } : 'missing';
    },
    /** The server's own words where they say more than the generic ones; null for those. */
    describe(err: unknown): string | null {
      reset = false;
      if (!(err instanceof AuthApiError)) return null;
      if (err.details.directoryPasswordChanged === true) {
        row.hidden = false;
        previousInput.value = '';
        previousInput.focus();
        return err.message;
      }
      if (err.status === 403 || err.status === 503 || err.errno === 107 || err.errno === 101)
        return err.message;
      return null;
    },
    done(): void {
      reset = false;
      previousInput.value = '';
      row.hidden = true;
    },
  };
}

start().catch((err: unknown) =>
  showSetup(`The page failed to start: ${err instanceof Error ? err.message : String(err)}`),
);
