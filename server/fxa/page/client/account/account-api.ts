/**
 * The auth-server calls of the account page (research firefox-device-commands §4.4), over the
 * sign-in page's Hawk-signing client: a session token's credentials for all but the password
 * change's finish, which is signed with the password change token.
 */
import { AuthApi } from '../auth-api.js';
import type { HawkCredentials } from '../hawk.js';

export interface DeviceEntry {
  id: string;
  name: string;
  type: string;
  isCurrentDevice: boolean;
  lastAccessTime?: number;
  /** Absent for the caller's own entry before its Firefox registered a device. */
  createdAt?: number;
}

export interface SessionResponse {
  uid: string;
  sessionToken: string;
  verified: boolean;
  authAt?: number;
}

export interface PasswordChangeStart {
  keyFetchToken: string;
  passwordChangeToken: string;
}

export class AccountApi extends AuthApi {
  /** Sign-in for this page only: a session without keys (nothing here decrypts Sync data). */
  signInPage(email: string, authPW: string): Promise<SessionResponse> {
    return this.call('POST', '/account/login', { email, authPW }, null);
  }

  /**
   * A directory person's sign-in for this page (issue 14): the server binds with the
   * directory password, since the plain login refuses their account.
   */
  signInPageDirectory(email: string, authPW: string, directoryPassword: string): Promise<SessionResponse> {
    return this.call(
      'POST',
      '/account/directory/login',
      { name: email, email, authPW, directoryPassword },
      null,
    );
  }

  /** The account's e-mail as stored: the salt of the password stretch. */
  emailStatus(session: HawkCredentials): Promise<{ email: string }> {
    return this.call('GET', '/recovery_email/status', undefined, session);
  }

  devices(session: HawkCredentials): Promise<DeviceEntry[]> {
    return this.call('GET', '/account/devices', undefined, session);
  }

  destroyDevice(session: HawkCredentials, id: string): Promise<unknown> {
    return this.call('POST', '/account/device/destroy', { id }, session);
  }

  /** `closing`: sent as the tab goes away, so the request must outlive the page. */
  destroySession(session: HawkCredentials, closing = false): Promise<unknown> {
    return this.call('POST', '/session/destroy', {}, session, false, closing);
  }

  signOutEverywhere(session: HawkCredentials): Promise<unknown> {
    return this.call('POST', '/account/sessions/destroy', {}, session);
  }

  destroyAccount(session: HawkCredentials, email: string, authPW: string): Promise<unknown> {
    return this.call('POST', '/account/destroy', { email, authPW }, session);
  }

  passwordChangeStart(
    session: HawkCredentials,
    email: string,
    oldAuthPW: string,
  ): Promise<PasswordChangeStart> {
    return this.call('POST', '/password/change/start', { email, oldAuthPW }, session);
  }

  passwordChangeFinish(
    passwordChange: HawkCredentials,
    body: { authPW: string; wrapKb: string; sessionToken: string },
  ): Promise<SessionResponse> {
    return this.call('POST', '/password/change/finish', body, passwordChange);
  }
}
