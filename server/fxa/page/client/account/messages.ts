/** The account page's errors and progress in plain words, one line each, never an errno. */
import { AuthApiError } from '../auth-api.js';
import { FirefoxCommandError, NoChannelError } from '../webchannel.js';
import type { ChangeStep } from './change-password.js';

export const CHANGE_STEP_TEXT: Record<ChangeStep, string> = {
  stretch: 'Preparing your passwords…',
  check: 'Checking your current password…',
  rewrap: 'Re-wrapping your sync key with the new password…',
  save: 'Saving the new password…',
};

function wait(seconds: number): string {
  if (seconds >= 90) return `${Math.ceil(seconds / 60)} minutes`;
  return `${Math.max(1, Math.ceil(seconds))} seconds`;
}

/** True when the page's session has ended (signed out elsewhere, password changed, removed). */
export function sessionEnded(err: unknown): boolean {
  return err instanceof AuthApiError && err.errno === 110;
}

export function describeAccountError(err: unknown): string {
  if (err instanceof AuthApiError) {
    if (err.status === 429 || err.errno === 114) {
      return err.retryAfter
        ? `Too many attempts. Wait ${wait(err.retryAfter)}, then try again.`
        : 'Too many attempts. Wait a few minutes, then try again.';
    }
    switch (err.errno) {
      case 102:
        return 'There is no account for that e-mail on this server. Check the spelling.';
      case 103:
        return 'That is not the password of this account. Check it and try again (passwords are case-sensitive).';
      case 110:
        return 'This sign-in has ended (signed out, or the password changed elsewhere). Reload the page and sign in again.';
      case 123:
        return 'That device is no longer signed in. The list has been refreshed.';
    }
    if (err.status === 0) return err.message;
    return `The Foxden server refused: ${err.message}`;
  }
  if (err instanceof NoChannelError) return err.message;
  if (err instanceof FirefoxCommandError) return `Firefox could not take the change: ${err.message}`;
  return `Something went wrong: ${err instanceof Error ? err.message : String(err)}`;
}
