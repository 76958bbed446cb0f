/** Errors in plain words: what happened and what to do, never an errno. */
import { AuthApiError } from './auth-api.js';
import type { Mode, Step } from './connect.js';
import { LinkDeclinedError } from './connect.js';
import { FirefoxCommandError, NoChannelError } from './webchannel.js';

export const STEP_TEXT: Record<Step, string> = {
  oauth: 'Asking Firefox to start signing in…',
  stretch: 'Preparing your password…',
  account: 'Checking with the Foxden server…',
  keys: 'Fetching your encryption keys…',
  authorize: 'Encrypting your Sync key for this Firefox…',
  'firefox-login': 'Signing Firefox in…',
  'firefox-oauth': 'Handing the keys to Firefox…',
};

function wait(seconds: number): string {
  if (seconds >= 90) return `${Math.ceil(seconds / 60)} minutes`;
  return `${Math.max(1, Math.ceil(seconds))} seconds`;
}

export function describeError(err: unknown, mode: Mode, email: string): string {
  if (err instanceof AuthApiError) {
    if (err.status === 429 || err.errno === 114) {
      return err.retryAfter
        ? `Too many attempts. Wait ${wait(err.retryAfter)}, then try again.`
        : 'Too many attempts. Wait a few minutes, then try again.';
    }
    switch (err.errno) {
      case 101:
        return `There is already an account for ${email} on this server. Choose "Sign in" instead.`;
      case 102:
        return `There is no account for ${email} on this server. Check the spelling${
          document.body.dataset.allowNewUsers === 'true' ? ', or choose "Create account"' : ''
        }.`;
      case 103:
        return `That is not the password for ${email}. Check it and try again (passwords are case-sensitive).`;
      case 107:
      case 108:
        return 'The server did not accept that e-mail address. Check it and try again.';
    }
    if (mode === 'signup' && (err.status === 403 || err.errno === 202)) {
      return 'New accounts are switched off on this server. Ask whoever runs Foxden to allow sign-ups, or sign in to an existing account.';
    }
    if (err.status === 0) return err.message;
    return `The Foxden server refused: ${err.message}`;
  }
  if (err instanceof NoChannelError) return err.message;
  if (err instanceof LinkDeclinedError) {
    return 'Firefox kept its current account, so nothing changed. Use a fresh Firefox profile, or sign out in Settings → Sync first.';
  }
  if (err instanceof FirefoxCommandError) return `Firefox could not finish signing in: ${err.message}`;
  return `Something went wrong: ${err instanceof Error ? err.message : String(err)}`;
}
